using Grains.Deals.Pricing;
using Grains.Interfaces.Money;

namespace Tests.Deals;

/// <summary>Worked examples for the deal pricing rules: the document's example, rounding per currency, discounts, validation.</summary>
public sealed class DealPricerTests
{
    private static readonly PriceDiscount[] NoDiscounts = [];

    private static DealPrice Price(string currency, decimal taxRate, PriceLine[] lines, params PriceDiscount[] discounts) =>
        DealPricer.Price(currency, taxRate, lines, discounts);

    [Fact]
    public void FirstIntegrationExample_OneItemAt99WithTenPercentTax_Totals108_90()
    {
        var price = Price("USD", 0.10m, [new("item_1", 99.00m, 1)]);

        Assert.Equal(99.00m, price.Subtotal);
        Assert.Equal(0m, price.DiscountTotal);
        Assert.Equal(99.00m, price.DiscountedSubtotal);
        Assert.Equal(9.90m, price.Tax);
        Assert.Equal(108.90m, price.Total);
        Assert.Equal("108.90", MoneyFormat.Amount(price.Total, "USD"));
        Assert.Equal("$108.90", MoneyFormat.Formatted(price.Total, "USD"));
    }

    [Fact]
    public void Jpy_RoundsToWholeYenHalfAwayFromZero()
    {
        // 333.5 × 3 = 1000.5 → 1001; tax 10% of 1001 = 100.1 → 100.
        var price = Price("JPY", 0.10m, [new("item_1", 333.5m, 3)]);

        Assert.Equal(1001m, price.Lines[0].LineTotal);
        Assert.Equal(100m, price.Tax);
        Assert.Equal(1101m, price.Total);
        Assert.Equal("1101", MoneyFormat.Amount(price.Total, "JPY"));
        Assert.Equal("¥1,101", MoneyFormat.Formatted(price.Total, "JPY"));
    }

    [Fact]
    public void Jpy_TaxMidpointRoundsUp()
    {
        // 10% of 1005 = 100.5 → 101.
        var price = Price("JPY", 0.10m, [new("item_1", 1005m, 1)]);

        Assert.Equal(101m, price.Tax);
        Assert.Equal(1106m, price.Total);
    }

    [Fact]
    public void Kwd_RoundsToThreeDecimals()
    {
        // 1.2345 → 1.235 (midpoint away from zero); 5% of 1.235 = 0.06175 → 0.062.
        var price = Price("KWD", 0.05m, [new("item_1", 1.2345m, 1)]);

        Assert.Equal(1.235m, price.Subtotal);
        Assert.Equal(0.062m, price.Tax);
        Assert.Equal(1.297m, price.Total);
        Assert.Equal("1.297", MoneyFormat.Amount(price.Total, "KWD"));
        Assert.Equal(3, price.Total.Scale);
    }

    [Theory]
    [InlineData("0.125", "USD", "0.13")]
    [InlineData("-0.125", "USD", "-0.13")]
    [InlineData("0.124999", "USD", "0.12")]
    [InlineData("2.5", "JPY", "3")]
    [InlineData("-2.5", "JPY", "-3")]
    [InlineData("0.0005", "KWD", "0.001")]
    [InlineData("-0.0005", "KWD", "-0.001")]
    public void Round_IsHalfAwayFromZeroToTheMinorUnit(string amount, string currency, string expected)
    {
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture),
            DealPricer.Round(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), currency));
    }

    [Fact]
    public void Round_GivesExactlyTheMinorUnitDigits()
    {
        Assert.Equal("12.30", DealPricer.Round(12.3m, "USD").ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("0.00", DealPricer.Round(-0.001m, "USD").ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void DiscountLargerThanSubtotal_GivesZeroTotalAndZeroTax()
    {
        var price = Price("USD", 0.10m, [new("item_1", 50.00m, 1)], new PriceDiscount(DealPricer.Fixed, 80m));

        Assert.Equal(50.00m, price.DiscountTotal);
        Assert.Equal(0m, price.DiscountedSubtotal);
        Assert.Equal(0m, price.Tax);
        Assert.Equal(0m, price.Total);
    }

    [Fact]
    public void PercentagesAddUpAndApplyToTheSubtotalOnce()
    {
        // 10% + 15% = 25% of 200.00, not 10% then 15% of the remainder (which would be 47.00).
        var price = Price("USD", 0m, [new("item_1", 200m, 1)], new PriceDiscount(DealPricer.Percentage, 10m), new PriceDiscount(DealPricer.Percentage, 15m));

        Assert.Equal(50.00m, price.DiscountTotal);
        Assert.Equal(150.00m, price.Total);
    }

    [Fact]
    public void PercentagesAreCappedAt100()
    {
        var price = Price("USD", 0.2m, [new("item_1", 80m, 2)], new PriceDiscount(DealPricer.Percentage, 60m), new PriceDiscount(DealPricer.Percentage, 70m));

        Assert.Equal(160.00m, price.DiscountTotal);
        Assert.Equal(0m, price.Total);
    }

    [Fact]
    public void PercentageAndFixedCombineBeforeTax()
    {
        // 10% of 100.00 + 5.00 = 15.00; tax 20% of 85.00 = 17.00.
        var price = Price("USD", 0.2m, [new("item_1", 100m, 1)], new PriceDiscount(DealPricer.Fixed, 5m), new PriceDiscount(DealPricer.Percentage, 10m));

        Assert.Equal(15.00m, price.DiscountTotal);
        Assert.Equal(85.00m, price.DiscountedSubtotal);
        Assert.Equal(17.00m, price.Tax);
        Assert.Equal(102.00m, price.Total);
    }

    [Fact]
    public void DiscountTotalIsRoundedOnce()
    {
        // 33.33% of 10.01 = 3.336333 → 3.34.
        var price = Price("USD", 0m, [new("item_1", 10.01m, 1)], new PriceDiscount(DealPricer.Percentage, 33.33m));

        Assert.Equal(3.34m, price.DiscountTotal);
        Assert.Equal(6.67m, price.Total);
    }

    [Fact]
    public void LinesAreRoundedOneByOneAndKeepTheirOrder()
    {
        // Each 0.125 × 1 rounds to 0.13; rounding the sum instead would give 0.25.
        var price = Price("USD", 0m, [new("item_b", 0.125m, 1), new("item_a", 0.125m, 1)]);

        Assert.Equal(["item_b", "item_a"], price.Lines.Select(l => l.ItemId));
        Assert.All(price.Lines, l => Assert.Equal(0.13m, l.LineTotal));
        Assert.Equal(0.26m, price.Subtotal);
    }

    [Fact]
    public void EmptyDeal_IsAllZeroes()
    {
        var price = DealPricer.Price("EUR", 0.1000m, [], NoDiscounts);

        Assert.Empty(price.Lines);
        Assert.Equal("0.00", MoneyFormat.Amount(price.Total, "EUR"));
        Assert.Equal("€0.00", MoneyFormat.Formatted(price.Subtotal, "EUR"));
        Assert.Equal("EUR", price.Currency);
        Assert.Equal(0.1m, price.TaxRate);
    }

    [Fact]
    public void BoundaryValuesAreAccepted()
    {
        var price = Price("USD", 1m, [new("item_1", 0m, 1), new("item_2", 10m, 1)],
            new PriceDiscount(DealPricer.Percentage, 0m), new PriceDiscount(DealPricer.Percentage, 100m), new PriceDiscount(DealPricer.Fixed, 0m));

        Assert.Equal(0m, price.Total);
        Assert.Equal(20.00m, Price("USD", 1m, [new("item_1", 10m, 1)]).Total);
    }

    public static TheoryData<string, decimal, PriceLine, PriceDiscount?> InvalidInputs => new()
    {
        { "XXX", 0.1m, new("item_1", 1m, 1), null },
        { "usd", 0.1m, new("item_1", 1m, 1), null },
        { "", 0.1m, new("item_1", 1m, 1), null },
        { "USD", 0.1m, new("item_1", -0.01m, 1), null },
        { "USD", 0.1m, new("item_1", 1m, 0), null },
        { "USD", 0.1m, new("item_1", 1m, -3), null },
        { "USD", -0.01m, new("item_1", 1m, 1), null },
        { "USD", 1.01m, new("item_1", 1m, 1), null },
        { "USD", 10m, new("item_1", 1m, 1), null },
        { "USD", 0.1m, new("item_1", 1m, 1), new("amount", 5m) },
        { "USD", 0.1m, new("item_1", 1m, 1), new("Percentage", 5m) },
        { "USD", 0.1m, new("item_1", 1m, 1), new PriceDiscount(DealPricer.Percentage, -1m) },
        { "USD", 0.1m, new("item_1", 1m, 1), new PriceDiscount(DealPricer.Percentage, 100.01m) },
        { "USD", 0.1m, new("item_1", 1m, 1), new PriceDiscount(DealPricer.Fixed, -0.01m) },
    };

    [Theory]
    [MemberData(nameof(InvalidInputs))]
    public void InvalidInput_ThrowsArgumentException(string currency, decimal taxRate, PriceLine line, PriceDiscount? discount)
    {
        PriceDiscount[] discounts = discount is null ? [] : [discount];

        Assert.ThrowsAny<ArgumentException>(() => DealPricer.Price(currency, taxRate, [line], discounts));
    }

    [Fact]
    public void AmountsBeyondDecimalRange_ThrowArgumentException()
    {
        Assert.ThrowsAny<ArgumentException>(() => Price("USD", 0m, [new("item_1", decimal.MaxValue / 2, 1000)]));
    }

    [Fact]
    public void HugeFixedDiscounts_CapAtTheSubtotal()
    {
        var price = Price("USD", 0.1m, [new("item_1", 10m, 1)], new PriceDiscount(DealPricer.Fixed, decimal.MaxValue), new PriceDiscount(DealPricer.Fixed, decimal.MaxValue));

        Assert.Equal(10.00m, price.DiscountTotal);
        Assert.Equal(0m, price.Total);
    }

    [Fact]
    public void Round_RejectsUnknownCurrency()
    {
        Assert.Throws<ArgumentException>(() => DealPricer.Round(1m, "ABC"));
    }
}
