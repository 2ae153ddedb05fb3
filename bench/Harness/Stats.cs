using System.Diagnostics;
using System.Globalization;

namespace Harness;

/// <summary>Exact percentiles of sorted samples (nearest rank) and the unit conversions the reports use.</summary>
public static class Stats
{
    /// <summary>The nearest-rank percentile (<paramref name="p"/> in 0…1) of sorted values; 0 when there are none.</summary>
    public static long Percentile(long[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>The nearest-rank percentile (<paramref name="p"/> in 0…1) of sorted values; null when there are none.</summary>
    public static double? Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>The median (the mean of the middle two for an even count); 0 when there are none.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>Stopwatch ticks in milliseconds, rounded to µs.</summary>
    public static double Ms(long ticks) => Math.Round(ticks * 1000.0 / Stopwatch.Frequency, 3);

    /// <summary>Stopwatch ticks in microseconds.</summary>
    public static double Micros(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;

    /// <summary>"PASS" or "MISS", as every report marks a target.</summary>
    public static string Mark(bool pass) => pass ? "PASS" : "MISS";

    /// <summary>A number with an invariant format, "n/a" when there is none.</summary>
    public static string F(double? value, string format = "0.00") =>
        value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "n/a";
}
