using Grains.Deals.Pricing;
using Grains.Interfaces.Money;

namespace Tests.Deals;

/// <summary>The API's money strings: plain amounts with the currency's digits, and the human form with symbols.</summary>
public sealed class MoneyFormatTests
{
    [Theory]
    [InlineData("12.3", "USD", "12.30")]
    [InlineData("1200", "JPY", "1200")]
    [InlineData("1199.5", "JPY", "1200")]
    [InlineData("1.25", "KWD", "1.250")]
    [InlineData("1234567.891", "USD", "1234567.89")]
    [InlineData("-12.345", "EUR", "-12.35")]
    [InlineData("-0.001", "USD", "0.00")]
    [InlineData("0", "KWD", "0.000")]
    public void Amount_HasExactlyTheMinorUnitDigits(string amount, string currency, string expected)
    {
        Assert.Equal(expected, MoneyFormat.Amount(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), currency));
    }

    [Theory]
    [InlineData("12.3", "USD", "$12.30")]
    [InlineData("12.3", "EUR", "€12.30")]
    [InlineData("12.3", "GBP", "£12.30")]
    [InlineData("1200", "JPY", "¥1,200")]
    [InlineData("12.3", "AUD", "A$12.30")]
    [InlineData("12.3", "CHF", "12.30 CHF")]
    [InlineData("1234.5678", "KWD", "1,234.568 KWD")]
    [InlineData("1234567.891", "USD", "$1,234,567.89")]
    [InlineData("-12.3", "USD", "-$12.30")]
    [InlineData("-1234.5", "CHF", "-1,234.50 CHF")]
    [InlineData("-1200", "JPY", "-¥1,200")]
    [InlineData("-0.004", "USD", "$0.00")]
    public void Formatted_UsesSymbolsAndThousandsSeparators(string amount, string currency, string expected)
    {
        Assert.Equal(expected, MoneyFormat.Formatted(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), currency));
    }

    [Fact]
    public void UnknownCurrency_Throws()
    {
        Assert.Throws<ArgumentException>(() => MoneyFormat.Amount(1m, "XYZ"));
        Assert.Throws<ArgumentException>(() => MoneyFormat.Formatted(1m, "XYZ"));
    }
}
