namespace Nona.Tests.Support;

/// <summary>
/// Where the solution builds the test plugins (tests/Nona.TestPlugins.*): artifacts/test-plugins/&lt;configuration&gt;/&lt;project&gt;/,
/// a folder the tests copy or point the host at like a third party's plugin folder.
/// </summary>
internal static class TestPluginOutput
{
    /// <summary>The output folder of the test plugin project <paramref name="project"/>, for this test run's configuration.</summary>
    public static string Of(string project)
    {
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        return Path.Combine(Cli.RepoRoot, "artifacts", "test-plugins", configuration, project);
    }
}
