// Whisper's audio encoder (Radford et al., "Robust Speech Recognition via Large-Scale Weak Supervision", 2022) with
// the attribute names of Hugging Face transformers' WhisperEncoder (modeling_whisper.py), so its state_dict keys are
// HF's without the "model.encoder." prefix. OpenAI's checkpoints name the same tensors differently; WhisperStateDict
// maps them. Dropout is left out: every released Whisper has dropout 0.
using Nona.Abstractions.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static Nona.Abstractions.Torch.HeldScalars;
using static TorchSharp.torch;

namespace Nona.Plugins.Audio.Modules;

/// <summary>
/// Log-mel spectrograms (B, mels, 2 × positions) → last hidden state (B, positions, width): conv1 (k3, p1) → GELU →
/// conv2 (k3, stride 2, p1) → GELU → + positional embedding → pre-norm blocks → final LayerNorm.
/// </summary>
public sealed class WhisperEncoder : nn.Module<Tensor, Tensor>
{
    private readonly Conv1d conv1;
    private readonly Conv1d conv2;
    private readonly Embedding embed_positions;
    private readonly ModuleList<WhisperEncoderLayer> layers;
    private readonly LayerNorm layer_norm;

    /// <summary>Builds the encoder for <paramref name="config"/> with random weights.</summary>
    public WhisperEncoder(WhisperConfig config)
        : base(nameof(WhisperEncoder))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validated();
        Config = config;
        conv1 = nn.Conv1d(config.Mels, config.Width, kernel_size: 3, padding: 1);
        conv2 = nn.Conv1d(config.Width, config.Width, kernel_size: 3, stride: 2, padding: 1);
        embed_positions = nn.Embedding(config.Positions, config.Width);
        layers = nn.ModuleList([.. Enumerable.Range(0, config.Layers).Select(_ => new WhisperEncoderLayer(config))]);
        layer_norm = nn.LayerNorm(config.Width, eps: 1e-5);
        RegisterComponents();
        // Fixed sinusoids in OpenAI's model (a buffer) and frozen in Hugging Face's (requires_grad_(False)): never trained.
        embed_positions.weight!.requires_grad = false;
    }

    /// <summary>The sizes this encoder was built with.</summary>
    public WhisperConfig Config { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 3 || input.shape[1] != Config.Mels || input.shape[2] != 2L * Config.Positions)
            throw new ArgumentException($"Whisper's encoder expects log-mel spectrograms (B, {Config.Mels}, {2 * Config.Positions}), got [{string.Join(", ", input.shape)}]", nameof(input));
        using var scope = NewDisposeScope();
        var x = nn.functional.gelu(conv1.call(input));
        x = nn.functional.gelu(conv2.call(x)).permute(0, 2, 1); // (B, positions, width)
        x = x.Plus(embed_positions.weight!);
        foreach (var layer in layers)
            x = layer.call(x);
        return layer_norm.call(x).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv1.Dispose();
            conv2.Dispose();
            embed_positions.Dispose();
            layers.Dispose();
            layer_norm.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>HF <c>WhisperEncoderLayer</c>: x + attn(LN(x)), then x + fc2(GELU(fc1(LN(x)))).</summary>
public sealed class WhisperEncoderLayer : nn.Module<Tensor, Tensor>
{
    private readonly WhisperAttention self_attn;
    private readonly LayerNorm self_attn_layer_norm;
    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly LayerNorm final_layer_norm;

    /// <summary>Builds one block for <paramref name="config"/>.</summary>
    public WhisperEncoderLayer(WhisperConfig config)
        : base(nameof(WhisperEncoderLayer))
    {
        ArgumentNullException.ThrowIfNull(config);
        self_attn = new WhisperAttention(config.Width, config.Heads);
        self_attn_layer_norm = nn.LayerNorm(config.Width, eps: 1e-5);
        fc1 = nn.Linear(config.Width, config.FeedForward);
        fc2 = nn.Linear(config.FeedForward, config.Width);
        final_layer_norm = nn.LayerNorm(config.Width, eps: 1e-5);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.Plus(self_attn.call(self_attn_layer_norm.call(input)));
        x = x.Plus(fc2.call(nn.functional.gelu(fc1.call(final_layer_norm.call(x)))));
        return x.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            self_attn.Dispose();
            self_attn_layer_norm.Dispose();
            fc1.Dispose();
            fc2.Dispose();
            final_layer_norm.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// HF <c>WhisperAttention</c> as self-attention without a mask: q/k/v/out projections, the key projection without
/// a bias (as in both OpenAI's and HF's checkpoints), softmax(q·kᵀ/√head_dim)·v per head.
/// </summary>
public sealed class WhisperAttention : nn.Module<Tensor, Tensor>
{
    private readonly Linear k_proj;
    private readonly Linear v_proj;
    private readonly Linear q_proj;
    private readonly Linear out_proj;
    private readonly long heads;

    /// <summary>Builds the projections for <paramref name="width"/> split over <paramref name="heads"/> heads.</summary>
    public WhisperAttention(long width, long heads)
        : base(nameof(WhisperAttention))
    {
        if (heads < 1 || width % heads != 0)
            throw new ArgumentException($"width {width} must be a multiple of the {heads} heads", nameof(heads));
        this.heads = heads;
        k_proj = nn.Linear(width, width, hasBias: false);
        v_proj = nn.Linear(width, width);
        q_proj = nn.Linear(width, width);
        out_proj = nn.Linear(width, width);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var (batch, length, width) = (input.shape[0], input.shape[1], input.shape[2]);
        Tensor Split(Tensor t) => t.view(batch, length, heads, width / heads).transpose(1, 2); // (B, heads, L, head_dim)
        // The fused kernel scales by 1/√head_dim and, unlike an explicit (L × L) softmax, does not keep the
        // 1500 × 1500 weights of every head for the backward pass.
        var context = nn.functional.scaled_dot_product_attention(Split(q_proj.call(input)), Split(k_proj.call(input)), Split(v_proj.call(input)));
        return out_proj.call(context.transpose(1, 2).reshape(batch, length, width)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            k_proj.Dispose();
            v_proj.Dispose();
            q_proj.Dispose();
            out_proj.Dispose();
        }

        base.Dispose(disposing);
    }
}
