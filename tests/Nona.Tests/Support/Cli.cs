using Nona.Host;
using Spectre.Console;

namespace Nona.Tests.Support;

/// <summary>Runs the <c>nona</c> command line in-process and captures what it prints.</summary>
public static class Cli
{
    /// <summary>Runs <paramref name="args"/>; returns the exit code, standard output and error output.</summary>
    public static (int Code, string Output, string Errors) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Interactive = InteractionSupport.No,
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
        });
        console.Profile.Width = 200;
        var code = NonaCli.Run(args, console, errors);
        return (code, output.ToString(), errors.ToString());
    }

    /// <summary>The repository's root folder (where NonaFramework.sln is).</summary>
    public static string RepoRoot
    {
        get
        {
            var folder = new DirectoryInfo(AppContext.BaseDirectory);
            while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "NonaFramework.sln")))
                folder = folder.Parent;
            return folder?.FullName ?? throw new InvalidOperationException("NonaFramework.sln not found above the test output");
        }
    }
}
