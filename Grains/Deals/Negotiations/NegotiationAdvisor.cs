using System.Globalization;
using System.Text.Json.Nodes;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Projections;

namespace Grains.Deals.Negotiations;

/// <summary>A finished deal as the suggestion model sees it: its value, the discount it carried, and how many rounds it took.</summary>
public sealed record PastDeal(decimal Total, bool Won, decimal DiscountPercent, int? Rounds);

/// <summary>The tenant's finished deals, read from the projection (never from grains): closed ones won, cancelled/expired ones lost.</summary>
public static class NegotiationHistory
{
    /// <summary>Most recent finished deals looked at per status.</summary>
    public const int PerStatus = 500;

    public static async Task<IReadOnlyList<PastDeal>> ReadAsync(IDealDirectoryGrain directory)
    {
        var deals = new List<PastDeal>();
        foreach (var status in new[] { DealStatuses.Closed, DealStatuses.Cancelled, DealStatuses.Expired })
        {
            var page = await directory.List(new ListQuery(Limit: PerStatus, Sort: ListSort.UpdatedAt, Status: status));
            deals.AddRange(page.Items.Select(d => Of(d, won: status == DealStatuses.Closed && d.Outcome?.Reason != "lost")));
        }
        return deals;
    }

    public static PastDeal Of(DealView deal, bool won)
    {
        var subtotal = deal.Pricing.Subtotal;
        var discount = deal.Negotiated?.DiscountPercent ?? (subtotal > 0 ? Math.Round(deal.Pricing.DiscountTotal / subtotal * 100, 2) : 0);
        return new PastDeal(deal.Pricing.Total, won, discount, deal.Negotiated?.Rounds);
    }
}

/// <summary>
/// The deterministic suggestion model. Comparable deals are finished deals whose total is within half to twice this
/// deal's (all of them when this deal has no value yet). <c>balanced</c> offers the median discount comparable won
/// deals accepted, <c>aggressive</c> their lower quartile; neither offers more than the discount asked for. The
/// confidence grows with the win rate and the number of comparables; with fewer than 3 won comparables the level
/// is <c>insufficient</c> and the model falls back to meeting the ask halfway (balanced) or a quarter of the way.
/// </summary>
public static class NegotiationAdvisor
{
    public const int MinimumComparables = 3;

    public static NegotiationAdvice Advise(DealView deal, string currentTermsJson, IReadOnlyList<PastDeal> history)
    {
        var current = JsonNode.Parse(currentTermsJson) as JsonObject ?? new JsonObject();
        var ask = current["discount_percent"] is JsonValue v && v.TryGetValue<decimal>(out var a) ? a : 0m;
        var total = deal.Pricing.Total;
        var comparable = history.Where(h => total <= 0 || (h.Total >= total / 2 && h.Total <= total * 2)).ToList();
        var won = comparable.Where(h => h.Won).ToList();
        var lost = comparable.Count - won.Count;
        var level = won.Count switch
        {
            >= 30 => "high",
            >= 10 => "medium",
            >= MinimumComparables => "low",
            _ => "insufficient",
        };
        var discounts = won.Select(w => w.DiscountPercent).Order().ToList();
        var winRate = comparable.Count == 0 ? 0m : (decimal)won.Count / comparable.Count;
        decimal balanced, aggressive, balancedConfidence, aggressiveConfidence;
        string balancedWhy, aggressiveWhy;
        if (won.Count >= MinimumComparables)
        {
            balanced = Cap(HalfStep(Quantile(discounts, 0.5m)), ask);
            aggressive = Cap(HalfStep(Quantile(discounts, 0.25m)), ask);
            var weight = Math.Min(1m, won.Count / 30m);
            balancedConfidence = Math.Round(0.4m + 0.5m * winRate * weight + 0.05m, 2);
            aggressiveConfidence = Math.Round(balancedConfidence * 0.75m, 2);
            var share = Math.Round(discounts.Count(x => x <= balanced) * 100m / discounts.Count);
            balancedWhy = $"{Pct(balanced)}% is the median discount of {won.Count} comparable won deals; {share}% of them closed at or below it";
            aggressiveWhy = $"{Pct(aggressive)}% is the lower quartile of accepted discounts; more margin, less likely to be accepted";
        }
        else
        {
            balanced = HalfStep(ask / 2);
            aggressive = HalfStep(ask / 4);
            balancedConfidence = 0.3m;
            aggressiveConfidence = 0.2m;
            balancedWhy = $"Only {won.Count} comparable won deal(s): meeting the ask of {Pct(ask)}% halfway";
            aggressiveWhy = "Too little history to price against; offering a quarter of the ask";
        }
        return new NegotiationAdvice(
        [
            new NegotiationSuggestion("balanced", With(current, balanced), balancedConfidence, balancedWhy),
            new NegotiationSuggestion("aggressive", With(current, aggressive), aggressiveConfidence, aggressiveWhy),
        ], comparable.Count, level, won.Count, lost,
            discounts.Count == 0 ? null : Math.Round(discounts.Average(), 2),
            won.Any(w => w.Rounds is not null) ? Math.Round((decimal)won.Where(w => w.Rounds is not null).Average(w => w.Rounds!.Value), 2) : null);
    }

    private static string With(JsonObject current, decimal discount)
    {
        var terms = current.DeepClone().AsObject();
        terms["discount_percent"] = discount;
        return terms.ToJsonString();
    }

    private static decimal Cap(decimal value, decimal ask) => ask > 0 ? Math.Min(value, ask) : value;

    private static decimal HalfStep(decimal value) => Math.Round(value * 2, MidpointRounding.AwayFromZero) / 2;

    /// <summary>Nearest-rank quantile of a sorted list.</summary>
    private static decimal Quantile(IReadOnlyList<decimal> sorted, decimal q) =>
        sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static string Pct(decimal value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
