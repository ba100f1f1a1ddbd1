using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Nona.Abstractions;
using Nona.Host.Weights;
using Nona.Tests.Support;
using TorchSharp;
using TorchSharp.PyBridge;
using Xunit;
using static TorchSharp.torch;

namespace Nona.Tests.Weights;

/// <summary>Weight files: local paths, verified downloads from a server on 127.0.0.1, state dict formats, loading by name.</summary>
public sealed class WeightStoreTests
{
    [Fact]
    public void A_download_is_verified_against_its_sha256_prefix_cached_and_reused()
    {
        using var folder = new TempFolder();
        var payload = RandomBytes(4096);
        var sha = Convert.ToHexStringLower(SHA256.HashData(payload));
        using var server = new LocalServer(payload);
        var store = new WeightStore(Path.Combine(folder.Path, "cache"), folder.Path);

        var path = store.Resolve(new WeightSource(server.Url("resnet18-" + sha[..8] + ".pth"), sha[..8]));
        Assert.Equal(payload, File.ReadAllBytes(path));
        Assert.Equal(1, server.Requests);

        Assert.Equal(path, store.Resolve(new WeightSource(server.Url("resnet18-" + sha[..8] + ".pth"), sha)));
        Assert.Equal(1, server.Requests); // served from the cache
    }

    [Fact]
    public void A_checksum_mismatch_is_a_clear_error_and_caches_nothing()
    {
        using var folder = new TempFolder();
        using var server = new LocalServer(RandomBytes(1000));
        var cache = Path.Combine(folder.Path, "cache");
        var store = new WeightStore(cache, folder.Path);
        var error = Assert.Throws<NonaException>(() => store.Resolve(new WeightSource(server.Url("w.pth"), "deadbeef")));
        Assert.Contains("does not match the expected deadbeef", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.Exists(store.DownloadFolder) ? Directory.GetFiles(store.DownloadFolder, "*", SearchOption.AllDirectories) : []);
    }

    [Fact]
    public void Without_a_citable_hash_the_first_download_is_recorded_and_later_loads_are_verified_against_it()
    {
        using var folder = new TempFolder();
        var payload = RandomBytes(2048);
        using var server = new LocalServer(payload);
        var store = new WeightStore(Path.Combine(folder.Path, "cache"), folder.Path);
        var source = new WeightSource(server.Url("bert-base-uncased/resolve/main/config.json"), TrustOnFirstUse: true);

        var path = store.Resolve(source);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(payload)), File.ReadAllText(path + ".sha256").Trim());
        Assert.Equal(path, store.Resolve(source));
        Assert.Equal(1, server.Requests);

        File.WriteAllBytes(path, RandomBytes(10)); // the cached file changed behind our back
        Assert.Contains("does not match", Assert.Throws<NonaException>(() => store.Resolve(source)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_url_without_a_checksum_and_a_missing_file_are_refused_with_the_fix()
    {
        using var folder = new TempFolder();
        var store = new WeightStore(Path.Combine(folder.Path, "cache"), folder.Path);
        Assert.Contains("needs its SHA-256", Assert.Throws<NonaException>(() => store.Resolve(new WeightSource("http://127.0.0.1:9/w.pth"))).Message, StringComparison.Ordinal);
        Assert.Contains("weights file not found", Assert.Throws<NonaException>(() => store.Resolve(new WeightSource("missing.pth"))).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("weights.pth")]
    [InlineData("weights.safetensors")]
    public void PyTorch_and_safetensors_state_dicts_load_by_name(string fileName)
    {
        using var folder = new TempFolder();
        using var source = nn.Linear(3, 2);
        var path = Path.Combine(folder.Path, fileName);
        if (fileName.EndsWith(".pth", StringComparison.Ordinal))
            source.save_py(path);
        else
            source.save_safetensors(path);

        var store = new WeightStore(Path.Combine(folder.Path, "cache"), folder.Path);
        var weights = store.Read(path);
        using var target = nn.Linear(3, 2);
        store.LoadInto(target, weights, path);
        Assert.Equal(Tensors.Values(source.weight!), Tensors.Values(target.weight!));
        Assert.Equal(Tensors.Values(source.bias!), Tensors.Values(target.bias!));
    }

    [Fact]
    public void Metadata_holds_a_checkpoints_non_tensor_entries_by_dotted_key_and_is_empty_for_safetensors()
    {
        using var folder = new TempFolder();
        var store = new WeightStore(Path.Combine(folder.Path, "cache"), folder.Path);
        // OpenAI Whisper's layout: {"dims": {...ints...}, "model_state_dict": {...fp16 tensors...}}.
        var pt = Path.Combine(AppContext.BaseDirectory, "fixtures", "whisper_openai_tiny.pt");

        var (weights, metadata) = store.ReadCheckpoint(pt);

        Assert.Equal(2L, metadata["dims.n_audio_head"]);
        Assert.Equal(32L, metadata["dims.n_audio_state"]);
        Assert.Equal(80L, metadata["dims.n_mels"]);
        Assert.Equal(10, metadata.Count); // the ten ModelDimensions, no tensors
        Assert.Equal(ScalarType.Float16, weights["encoder.conv1.weight"].dtype);
        Assert.Equal([1500L, 32], weights["encoder.positional_embedding"].shape);
        Assert.Contains("decoder.token_embedding.weight", weights.Keys);
        foreach (var tensor in weights.Values)
            tensor.Dispose();

        using var linear = nn.Linear(3, 2);
        var safetensors = Path.Combine(folder.Path, "w.safetensors");
        linear.save_safetensors(safetensors);
        var (linearWeights, none) = store.ReadCheckpoint(safetensors);
        Assert.Empty(none);
        Assert.Equal(["bias", "weight"], linearWeights.Keys.Order(StringComparer.Ordinal));
        foreach (var tensor in linearWeights.Values)
            tensor.Dispose();
    }

    [Fact]
    public void Missing_unexpected_and_mis_shaped_keys_are_all_listed_by_name()
    {
        using var folder = new TempFolder();
        var store = new WeightStore(Path.Combine(folder.Path, "cache"), folder.Path);
        using var target = nn.Linear(3, 2);
        var weights = new Dictionary<string, Tensor> { ["weight"] = zeros(2, 4), ["extra.weight"] = zeros(1), ["fc.weight"] = zeros(1) };
        var error = Assert.Throws<NonaException>(() => store.LoadInto(target, weights, "w.pth", ignored: ["fc."]));
        Assert.Contains("missing 1: bias", error.Message, StringComparison.Ordinal);
        Assert.Contains("unexpected 1: extra.weight", error.Message, StringComparison.Ordinal);
        Assert.Contains("shape mismatch 1: weight [2, 4] vs ours [2, 3]", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("fc.weight", error.Message, StringComparison.Ordinal);
    }

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        new Random(count).NextBytes(bytes);
        return bytes;
    }

    /// <summary>An HTTP server on 127.0.0.1 that serves one payload for any path, counting requests.</summary>
    private sealed class LocalServer : IDisposable
    {
        private readonly HttpListener listener = new();
        private readonly Task loop;
        private int requests;

        public LocalServer(byte[] payload)
        {
            var port = FreePort();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            listener.Start();
            Port = port;
            loop = Task.Run(async () =>
            {
                while (listener.IsListening)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await listener.GetContextAsync();
                    }
                    catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                    {
                        return;
                    }

                    Interlocked.Increment(ref requests);
                    context.Response.ContentLength64 = payload.Length;
                    await context.Response.OutputStream.WriteAsync(payload);
                    context.Response.Close();
                }
            });
        }

        public int Port { get; }

        public int Requests => Volatile.Read(ref requests);

        public string Url(string name) => $"http://127.0.0.1:{Port}/{name}";

        public void Dispose()
        {
            listener.Stop();
            listener.Close();
            loop.Wait(TimeSpan.FromSeconds(5));
        }

        private static int FreePort()
        {
            using var socket = new TcpListener(IPAddress.Loopback, 0);
            socket.Start();
            return ((IPEndPoint)socket.LocalEndpoint).Port;
        }
    }
}
