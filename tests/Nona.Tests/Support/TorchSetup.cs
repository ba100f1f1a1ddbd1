using System.Runtime.CompilerServices;

namespace Nona.Tests.Support;

/// <summary>What the host does before its first tensor, done for the tests before theirs.</summary>
internal static class TorchSetup
{
    [ModuleInitializer]
    internal static void BeforeAnyTensor() => Nona.Host.Torch.OneDnnIsaCap.Apply();
}
