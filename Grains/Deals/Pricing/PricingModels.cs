namespace Grains.Deals.Pricing;

/// <summary>One line item as the deal holds it: a unit price and a whole quantity.</summary>
public sealed record PriceLine(string ItemId, decimal UnitPrice, int Quantity);

/// <summary>A discount on the deal: <see cref="DealPricer.Percentage"/> (percentage points, 0–100) or <see cref="DealPricer.Fixed"/> (an amount in the deal currency, ≥ 0).</summary>
public sealed record PriceDiscount(string Type, decimal Value);

/// <summary>A line with its rounded total.</summary>
public sealed record PricedLine(string ItemId, decimal UnitPrice, int Quantity, decimal LineTotal);

/// <summary>Every figure of a priced deal, each rounded to the currency's minor unit.</summary>
public sealed record DealPrice(
    string Currency,
    decimal TaxRate,
    IReadOnlyList<PricedLine> Lines,
    decimal Subtotal,
    decimal DiscountTotal,
    decimal DiscountedSubtotal,
    decimal Tax,
    decimal Total);
