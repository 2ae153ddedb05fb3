using System.Globalization;

namespace Grains.Interfaces.Money;

/// <summary>Tax rates: stored as a fraction 0..1 with four decimals, written as <c>"0.1000"</c>.</summary>
public static class TaxRates
{
    /// <summary>A rate as given: values ≥ 1 are percentages and divided by 100 (10 → 0.1000); four decimals, half away from zero.</summary>
    public static decimal Normalise(decimal rate) =>
        Math.Round(rate >= 1m ? rate / 100m : rate, 4, MidpointRounding.AwayFromZero);

    public static string Format(decimal rate) => rate.ToString("0.0000", CultureInfo.InvariantCulture);
}
