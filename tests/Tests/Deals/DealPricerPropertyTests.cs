using System.Globalization;
using FsCheck.Xunit;
using Grains.Deals.Pricing;
using Grains.Interfaces.Money;

namespace Tests.Deals;

/// <summary>Properties of the pricing rules that must hold for any realistic deal, checked with FsCheck.</summary>
[Properties(Arbitrary = [typeof(PricingArbitraries)], MaxTest = 300)]
public sealed class DealPricerPropertyTests
{
    private static decimal[] Figures(DealPrice p) => [p.Subtotal, p.DiscountTotal, p.DiscountedSubtotal, p.Tax, p.Total, .. p.Lines.Select(l => l.LineTotal)];

    // Invariant strings compare scale too, so "identical" means the same digits, not only equal values.
    private static string Fingerprint(DealPrice p) =>
        string.Join("|", new[] { p.Subtotal, p.DiscountTotal, p.DiscountedSubtotal, p.Tax, p.Total }.Select(d => d.ToString(CultureInfo.InvariantCulture)))
        + "|" + string.Join(";", p.Lines.OrderBy(l => l.ItemId, StringComparer.Ordinal)
            .Select(l => $"{l.ItemId}:{l.UnitPrice.ToString(CultureInfo.InvariantCulture)}:{l.Quantity}:{l.LineTotal.ToString(CultureInfo.InvariantCulture)}"));

    [Property]
    public void TotalsAreNeverNegative(DealInput deal)
    {
        var price = deal.Price();

        Assert.All(Figures(price), figure => Assert.True(figure >= 0m, $"{figure} < 0"));
        Assert.True(price.DiscountTotal <= price.Subtotal);
    }

    [Property]
    public void TotalIsDiscountedSubtotalPlusTax(DealInput deal)
    {
        var price = deal.Price();

        Assert.Equal(price.DiscountedSubtotal + price.Tax, price.Total);
        Assert.Equal(price.Subtotal - price.DiscountTotal, price.DiscountedSubtotal);
    }

    [Property]
    public void EveryFigureHasTheCurrencysMinorUnitDigits(DealInput deal)
    {
        var digits = Currencies.MinorUnitsOf(deal.Currency);

        Assert.All(Figures(deal.Price()), figure =>
        {
            Assert.Equal(figure, decimal.Round(figure, digits));
            Assert.Equal(digits, figure.Scale);
        });
    }

    [Property]
    public void PermutingLinesAndDiscountsChangesNoFigure(DealInput deal)
    {
        var random = new Random(deal.Seed);
        var shuffled = deal with { Lines = [.. deal.Lines], Discounts = [.. deal.Discounts] };
        random.Shuffle(shuffled.Lines);
        random.Shuffle(shuffled.Discounts);

        Assert.Equal(Fingerprint(deal.Price()), Fingerprint(shuffled.Price()));
    }

    [Property]
    public void SubtotalIsTheSumOfLineTotals(DealInput deal)
    {
        var price = deal.Price();

        Assert.Equal(price.Lines.Sum(l => l.LineTotal), price.Subtotal);
        Assert.Equal(deal.Lines.Length, price.Lines.Count);
    }

    [Property]
    public void AddingALineNeverLowersTheSubtotal(DealInput deal, PriceLine extra)
    {
        var before = deal.Price();
        var after = (deal with { Lines = [.. deal.Lines, extra] }).Price();

        Assert.True(after.Subtotal >= before.Subtotal, $"{after.Subtotal} < {before.Subtotal}");
    }

    [Property]
    public void ZeroDiscountsChangeNothing(DealInput deal)
    {
        var withZeroes = deal with { Discounts = [.. deal.Discounts, new(DealPricer.Percentage, 0m), new(DealPricer.Fixed, 0m)] };

        Assert.Equal(Fingerprint(deal.Price()), Fingerprint(withZeroes.Price()));
    }

    [Property]
    public void AmountParsesBackToTheRoundedValue(MoneyInput money)
    {
        var text = MoneyFormat.Amount(money.Amount, money.Currency);
        var digits = Currencies.MinorUnitsOf(money.Currency);

        Assert.Equal(DealPricer.Round(money.Amount, money.Currency), decimal.Parse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture));
        var point = text.IndexOf('.', StringComparison.Ordinal);
        Assert.Equal(digits, point < 0 ? 0 : text.Length - point - 1);
    }

    [Property]
    public void FormattedShowsTheSameDigitsAsAmount(MoneyInput money)
    {
        var amount = MoneyFormat.Amount(money.Amount, money.Currency);
        var formatted = MoneyFormat.Formatted(money.Amount, money.Currency);

        Assert.Contains(amount.TrimStart('-'), formatted.Replace(",", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(amount.StartsWith('-'), formatted.StartsWith('-'));
    }

    [Property]
    public void RoundIsIdempotent(MoneyInput money)
    {
        var once = DealPricer.Round(money.Amount, money.Currency);

        Assert.Equal(once, DealPricer.Round(once, money.Currency));
    }
}
