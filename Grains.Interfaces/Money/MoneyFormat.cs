using System.Globalization;

namespace Grains.Interfaces.Money;

/// <summary>Money as API strings: the plain <c>amount</c> and the human <c>formatted</c> form.</summary>
public static class MoneyFormat
{
    /// <summary>Invariant digits with exactly the currency's minor unit: "12.30", JPY "1200", KWD "1.250".</summary>
    public static string Amount(decimal amount, string currency)
    {
        var digits = MoneyRounding.Digits(currency);
        var rounded = MoneyRounding.Round(amount, digits);
        return Signed(rounded, Math.Abs(rounded).ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
    }

    /// <summary>"$1,234.50", "€12.30", "£12.30", "¥1,200", "A$12.30"; other currencies as "12.30 CHF". Negatives lead with '-'.</summary>
    public static string Formatted(decimal amount, string currency)
    {
        var digits = MoneyRounding.Digits(currency);
        var rounded = MoneyRounding.Round(amount, digits);
        var number = Math.Abs(rounded).ToString("N" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        return Signed(rounded, Symbol(currency) is { } symbol ? symbol + number : number + " " + currency);
    }

    private static string? Symbol(string currency) => currency switch
    {
        "USD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        "JPY" => "¥",
        "AUD" => "A$",
        _ => null,
    };

    // The sign is added by hand so it always leads, before any symbol ("-$12.30").
    private static string Signed(decimal rounded, string text) => rounded < 0m ? "-" + text : text;
}
