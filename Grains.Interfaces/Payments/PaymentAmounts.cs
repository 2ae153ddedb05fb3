using Grains.Interfaces.Money;
using Grains.Interfaces.Platform;

namespace Grains.Interfaces.Payments;

/// <summary>
/// Major units (the API) ↔ Stripe's integer minor units: 10.99 USD = 1099, 1200 JPY = 1200 (zero-decimal),
/// 1.250 KWD = 1250 (three-decimal). Stripe wants three-decimal amounts to end in 0, so those are multiples of 0.010.
/// </summary>
public static class PaymentAmounts
{
    private static readonly HashSet<string> ThreeDecimal = new(StringComparer.Ordinal) { "BHD", "JOD", "KWD", "OMR", "TND" };

    public static long ToMinor(decimal amount, string currency)
    {
        var digits = MoneyRounding.Digits(currency);
        var scaled = amount * Pow10(digits);
        if (scaled != decimal.Truncate(scaled))
        {
            throw DomainException.Invalid("amount", "invalid_precision", $"{currency} amounts have at most {digits} decimal places");
        }
        if (ThreeDecimal.Contains(currency) && scaled % 10 != 0)
        {
            throw DomainException.Invalid("amount", "invalid_precision", $"Stripe takes {currency} amounts in multiples of 0.010");
        }
        return (long)scaled;
    }

    public static decimal FromMinor(long minor, string currency)
    {
        var digits = MoneyRounding.Digits(currency);
        return MoneyRounding.Round(minor / Pow10(digits), digits);
    }

    private static decimal Pow10(int digits) => digits switch { 0 => 1m, 1 => 10m, 2 => 100m, 3 => 1000m, _ => (decimal)Math.Pow(10, digits) };
}
