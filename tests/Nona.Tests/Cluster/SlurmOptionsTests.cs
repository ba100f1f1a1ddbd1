using Nona.Abstractions;
using Nona.Host.Cluster;
using Xunit;

namespace Nona.Tests.Cluster;

/// <summary><c>--slurm KEY=VALUE,…</c>: sbatch directives, the two options of nona's own, and what is refused.</summary>
public sealed class SlurmOptionsTests
{
    [Fact]
    public void Each_option_becomes_a_directive_and_array_limit_and_signal_seconds_are_nonas_own()
    {
        var options = SlurmOptions.Parse(["partition=gpu,gpus-per-task=1,time=04:00:00,array-limit=8,exclusive,signal-seconds=120"], SlurmOptions.None);
        Assert.Equal([new("partition", "gpu"), new("gpus-per-task", "1"), new("time", "04:00:00"), new("exclusive", null)], options.Directives);
        Assert.Equal(8, options.ArrayLimit);
        Assert.Equal(120, options.SignalSeconds);
        Assert.Null(SlurmOptions.None.ArrayLimit);
        Assert.Equal(300, SlurmOptions.None.SignalSeconds);
    }

    [Fact]
    public void A_comma_inside_a_value_stays_in_the_value()
    {
        var options = SlurmOptions.Parse(["nodelist=n[1-3],n5,time=1:00:00"], SlurmOptions.None);
        Assert.Equal([new("nodelist", "n[1-3],n5"), new("time", "1:00:00")], options.Directives);
    }

    [Fact]
    public void A_resubmission_replaces_the_options_it_names_and_keeps_the_others()
    {
        var first = SlurmOptions.Parse(["partition=gpu,time=01:00:00,array-limit=4"], SlurmOptions.None);
        var recorded = SlurmOptions.Parse(first.ToTexts(), SlurmOptions.None);
        Assert.Equal(first.Directives, recorded.Directives);
        Assert.Equal(first.ArrayLimit, recorded.ArrayLimit);
        var again = SlurmOptions.Parse(["time=08:00:00"], recorded);
        Assert.Equal([new("partition", "gpu"), new("time", "08:00:00")], again.Directives);
        Assert.Equal(4, again.ArrayLimit);
    }

    [Theory]
    [InlineData("array=0-3", "nona sets --array itself")]
    [InlineData("output=/tmp/x", "nona sets --output itself")]
    [InlineData("Partition=gpu", "'Partition' is not an sbatch option name")]
    [InlineData("time=", "the value of 'time' is empty")]
    [InlineData("comment=a$b", "the value of 'comment' is empty or holds")]
    [InlineData("array-limit=0", "array-limit needs a whole number ≥ 1")]
    public void A_bad_option_is_refused_in_one_line_naming_it(string text, string expected)
    {
        var e = Assert.Throws<NonaException>(() => SlurmOptions.Parse([text], SlurmOptions.None));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.StartsWith($"--slurm {text}:", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData(new[] { 0, 1, 2, 3 }, "0-3")]
    [InlineData(new[] { 7, 0, 2, 1, 9, 10, 11 }, "0-2,7,9-11")]
    [InlineData(new[] { 5 }, "5")]
    public void Array_indices_are_written_as_slurm_ranges(int[] indices, string expected) =>
        Assert.Equal(expected, SlurmScripts.ArraySpec(indices));
}
