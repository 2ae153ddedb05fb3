using Grains.Interfaces.Money;
using Grains.Interfaces.Deals;

namespace Grains.Deals.Pricing;

/// <summary>
/// Prices a deal. Pure: the same inputs always give the same figures.
/// <para>Rules (the spec leaves discount order, stacking and rounding open; these are our decisions):</para>
/// <list type="number">
/// <item>line_total = Round(unit_price × quantity).</item>
/// <item>subtotal = Σ line totals.</item>
/// <item>Discounts apply before tax: all percentage discounts add up (capped at 100) and apply to the subtotal once; fixed discounts add up.</item>
/// <item>discount_total = Round(min(subtotal, subtotal × pct / 100 + fixed)).</item>
/// <item>discounted_subtotal = subtotal − discount_total (never negative).</item>
/// <item>tax = Round(discounted_subtotal × taxRate), where taxRate is a fraction (0.1 = 10%).</item>
/// <item>total = discounted_subtotal + tax.</item>
/// </list>
/// <para>Round is half away from zero to the currency's ISO 4217 minor unit. The order of lines and discounts
/// does not change any figure. Invalid input throws <see cref="ArgumentException"/>: unknown currency, negative
/// price, quantity &lt; 1, taxRate outside 0..1, unknown discount type, percentage outside 0..100, negative fixed.</para>
/// </summary>
public static class DealPricer
{
    public const string Percentage = DealKeys.PercentageDiscount;
    public const string Fixed = DealKeys.FixedDiscount;

    private const decimal MaxPercentage = 100m;

    public static DealPrice Price(string currency, decimal taxRate, IReadOnlyList<PriceLine> lines, IReadOnlyList<PriceDiscount> discounts)
    {
        var digits = MinorUnits(currency);
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(discounts);
        if (taxRate < 0m || taxRate > 1m)
            throw new ArgumentException($"Tax rate {taxRate} must be a fraction between 0 and 1.", nameof(taxRate));

        try
        {
            var priced = new PricedLine[lines.Count];
            for (var i = 0; i < lines.Count; i++)
            {
                var line = lines[i] ?? throw new ArgumentException($"Line {i} is null.", nameof(lines));
                if (line.ItemId is null)
                    throw new ArgumentException($"Line {i} has no item id.", nameof(lines));
                if (line.UnitPrice < 0m)
                    throw new ArgumentException($"Line {line.ItemId} has a negative unit price.", nameof(lines));
                if (line.Quantity < 1)
                    throw new ArgumentException($"Line {line.ItemId} has quantity {line.Quantity}; it must be at least 1.", nameof(lines));
                priced[i] = new PricedLine(line.ItemId, line.UnitPrice, line.Quantity, Round(line.UnitPrice * line.Quantity, digits));
            }

            var subtotal = SumInOrder(priced.Select(p => p.LineTotal), digits);
            var (percentage, fixedAmount) = DiscountTotals(discounts);

            var percentagePart = subtotal * Math.Min(MaxPercentage, percentage) / 100m;
            // Compared by difference so huge fixed discounts cap at the subtotal instead of overflowing.
            var rawDiscount = fixedAmount >= subtotal - percentagePart ? subtotal : percentagePart + fixedAmount;
            var discountTotal = Round(rawDiscount, digits);
            // Never negative: discountTotal rounds a value capped at the already-rounded subtotal.
            var discountedSubtotal = subtotal - discountTotal;
            var tax = Round(discountedSubtotal * taxRate, digits);
            var total = Round(discountedSubtotal + tax, digits);

            return new DealPrice(currency, taxRate, priced, subtotal, discountTotal, discountedSubtotal, tax, total);
        }
        catch (OverflowException ex)
        {
            // Amounts beyond decimal's range are bad input, not a server fault.
            throw new ArgumentException("Deal amounts are too large to price.", ex);
        }
    }

    /// <summary>Rounds half away from zero to the currency's ISO 4217 minor unit (USD 2, JPY 0, KWD 3).</summary>
    public static decimal Round(decimal amount, string currency) => MoneyRounding.Round(amount, currency);

    private static int MinorUnits(string currency) => MoneyRounding.Digits(currency);

    private static decimal Round(decimal amount, int digits) => MoneyRounding.Round(amount, digits);

    private static (decimal Percentage, decimal Fixed) DiscountTotals(IReadOnlyList<PriceDiscount> discounts)
    {
        var percentages = new List<decimal>(discounts.Count);
        var fixedAmounts = new List<decimal>(discounts.Count);
        for (var i = 0; i < discounts.Count; i++)
        {
            var discount = discounts[i] ?? throw new ArgumentException($"Discount {i} is null.", nameof(discounts));
            switch (discount.Type)
            {
                case Percentage when discount.Value is < 0m or > MaxPercentage:
                    throw new ArgumentException($"Percentage discount {discount.Value} must be between 0 and 100.", nameof(discounts));
                case Percentage:
                    percentages.Add(discount.Value);
                    break;
                case Fixed when discount.Value < 0m:
                    throw new ArgumentException($"Fixed discount {discount.Value} must not be negative.", nameof(discounts));
                case Fixed:
                    fixedAmounts.Add(discount.Value);
                    break;
                default:
                    throw new ArgumentException($"Unknown discount type '{discount.Type}'; use '{Percentage}' or '{Fixed}'.", nameof(discounts));
            }
        }

        // Each percentage is at most 100, so only the fixed amounts can overflow when added.
        return (SumInOrder(percentages, digits: null), SumCapped(fixedAmounts));
    }

    // Adds in ascending order: decimal addition can round once precision runs out, and a fixed order keeps
    // the result independent of how the caller listed lines or discounts.
    private static decimal SumInOrder(IEnumerable<decimal> values, int? digits)
    {
        var sum = digits is { } d ? new decimal(0, 0, 0, false, (byte)d) : 0m;
        foreach (var value in values.Order())
            sum += value;
        return sum;
    }

    // Fixed discounts beyond the subtotal change nothing, so saturating at decimal.MaxValue is exact for our use.
    private static decimal SumCapped(List<decimal> values)
    {
        var sum = 0m;
        foreach (var value in values.Order())
            sum = value >= decimal.MaxValue - sum ? decimal.MaxValue : sum + value;
        return sum;
    }
}
