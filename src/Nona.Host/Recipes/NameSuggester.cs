namespace Nona.Host.Recipes;

/// <summary>Suggests the nearest known name for a misspelt one ("did you mean 'nona'?").</summary>
internal static class NameSuggester
{
    /// <summary>A " Did you mean 'x'?" suffix, or empty when nothing is close.</summary>
    public static string Hint(string given, IEnumerable<string> known)
    {
        var limit = Math.Max(2, given.Length / 3);
        // The distance is at least the difference in length: skipping those keeps a megabyte-long value from
        // costing a full Levenshtein table per known name.
        var best = known
            .Where(k => Math.Abs(k.Length - given.Length) <= limit)
            .Select(k => (Name: k, Distance: Distance(given.ToLowerInvariant(), k.ToLowerInvariant())))
            .OrderBy(k => k.Distance)
            .ThenBy(k => k.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        return best.Name is not null && best.Distance <= limit ? $" Did you mean '{best.Name}'?" : "";
    }

    /// <summary>Levenshtein distance.</summary>
    public static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), substitution);
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
