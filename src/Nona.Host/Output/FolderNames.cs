namespace Nona.Host.Output;

/// <summary>Dataset and method names become folder and file names: keep them to safe characters.</summary>
internal static class FolderNames
{
    /// <summary>Letters, digits and <c>- _ + .</c> are kept; anything else becomes <c>_</c>.</summary>
    public static string Safe(string name) => string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '+' or '.' ? c : '_'));
}
