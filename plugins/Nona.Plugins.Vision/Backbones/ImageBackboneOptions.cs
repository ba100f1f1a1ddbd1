using System.ComponentModel;

namespace Nona.Plugins.Vision.Backbones;

/// <summary>Options every image backbone shares.</summary>
public class ImageBackboneOptions
{
    /// <summary>Weights: empty (random), <c>imagenet</c>, a local file, or a URL (with <see cref="Sha256"/>).</summary>
    [Description("\"\" (random init), imagenet (torchvision's file, downloaded and checked), a .pth/.safetensors path, or a URL")]
    public string Weights { get; set; } = "";

    /// <summary>Expected SHA-256 (or its first 8+ hex digits) of a URL's file.</summary>
    [Description("SHA-256 of the weights file (64 hex digits, or a prefix of at least 8) — required for a URL")]
    public string Sha256 { get; set; } = "";

    /// <summary>Fine-tune the backbone (the paper) or keep it frozen.</summary>
    [Description("true: fine-tune the backbone (the paper); false: frozen, features computed once and cached")]
    public bool Trainable { get; set; } = true;

    /// <summary>Freeze every layer before this one (partial fine-tuning).</summary>
    [Description("freeze every parameter before this layer (e.g. layer3 or features.5); empty: none")]
    public string FreezeUntil { get; set; } = "";

    /// <summary>Per-channel mean subtracted from [0, 1] RGB inputs.</summary>
    [Description("per-channel mean for [0, 1] RGB inputs (ImageNet; the paper's RSNA used 0.5)")]
    public IList<double> Mean { get; set; } = [0.485, 0.456, 0.406];

    /// <summary>Per-channel standard deviation.</summary>
    [Description("per-channel standard deviation (ImageNet; the paper's RSNA used 0.5)")]
    public IList<double> Std { get; set; } = [0.229, 0.224, 0.225];
}
