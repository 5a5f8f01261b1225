namespace InterCoG.Bench;

/// <summary>Summary statistics the benchmarks report (NaN for an empty sample).</summary>
public static class BenchStats
{
    public static double Mean(IReadOnlyCollection<double> v) => v.Count == 0 ? double.NaN : v.Average();

    /// <summary>Median; the mean of the two middle values for an even count.</summary>
    public static double Median(IEnumerable<double> v)
    {
        var s = v.Order().ToArray();
        if (s.Length == 0) return double.NaN;
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
