using Grains.Deals.Pricing;

namespace Tests.Deals;

/// <summary>One deal to price, plus a seed for shuffling it.</summary>
public sealed record DealInput(string Currency, decimal TaxRate, PriceLine[] Lines, PriceDiscount[] Discounts, int Seed)
{
    public DealPrice Price() => DealPricer.Price(Currency, TaxRate, Lines, Discounts);

    // Arrays print as type names by default; spell them out so a failing case can be reproduced.
    public override string ToString() =>
        $"{Currency} tax {TaxRate} lines [{string.Join(", ", Lines.Select(l => $"{l.ItemId} {l.UnitPrice}×{l.Quantity}"))}] " +
        $"discounts [{string.Join(", ", Discounts.Select(d => $"{d.Type} {d.Value}"))}] seed {Seed}";
}
