using Grains.Events;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Money;
using Grains.Interfaces.Platform;

namespace Grains.Deals;

/// <summary>Line items, discounts and terms: each re-prices the deal and is refused once the content is signed.</summary>
public sealed partial class DealGrain
{
    public async Task<DealView> AddItem(DealItemInput item, long? expectedVersion, DealActor actor)
    {
        var current = Editable(expectedVersion);
        await CheckProduct(item.ProductId);
        var added = DealRules.NewItem(item);
        var now = time.GetUtcNow();
        var next = Stamp(DealRecords.Priced(current with { Items = [.. current.Items, added] }), now);
        var priced = next.Items[^1];
        await CommitAudited(next, [Outbox.Event("deal.item_added", now, new
        {
            id = next.Id,
            deal_id = next.Id,
            item_id = added.Id,
            product_id = added.ProductId,
            name = added.Name,
            quantity = added.Quantity,
            unit_price = MoneyFormat.Amount(added.UnitPrice, next.Currency),
            line_total = MoneyFormat.Amount(priced.LineTotal, next.Currency),
            total = MoneyFormat.Amount(next.Pricing.Total, next.Currency),
        })], actor, "deal.item_added", new { item_id = added.Id, product_id = added.ProductId, quantity = added.Quantity, unit_price = added.UnitPrice });
        return next;
    }

    public async Task<DealView> UpdateItem(string itemId, int quantity, long? expectedVersion, DealActor actor)
    {
        var current = Editable(expectedVersion);
        var item = Item(current, itemId);
        var now = time.GetUtcNow();
        var next = Stamp(DealRecords.Priced(current with
        {
            Items = [.. current.Items.Select(i => i.Id == itemId ? i with { Quantity = quantity } : i)],
        }), now);
        await CommitAudited(next, [Outbox.Event("deal.item_updated", now, new
        {
            id = next.Id,
            deal_id = next.Id,
            item_id = itemId,
            previous_quantity = item.Quantity,
            quantity,
            total = MoneyFormat.Amount(next.Pricing.Total, next.Currency),
        })], actor, "deal.item_updated", new { item_id = itemId, quantity = new { from = item.Quantity, to = quantity } });
        return next;
    }

    public async Task<DealView> RemoveItem(string itemId, long? expectedVersion, DealActor actor)
    {
        var current = Editable(expectedVersion);
        var item = Item(current, itemId);
        var now = time.GetUtcNow();
        var next = Stamp(DealRecords.Priced(current with { Items = [.. current.Items.Where(i => i.Id != itemId)] }), now);
        await CommitAudited(next, [Outbox.Event("deal.item_removed", now, new
        {
            id = next.Id,
            deal_id = next.Id,
            item_id = itemId,
            product_id = item.ProductId,
            total = MoneyFormat.Amount(next.Pricing.Total, next.Currency),
        })], actor, "deal.item_removed", new { item_id = itemId, product_id = item.ProductId });
        return next;
    }

    public async Task<DealView> ApplyDiscount(DealDiscountInput discount, long? expectedVersion, DealActor actor)
    {
        DealInputRules.CheckDiscount(discount);
        var current = Editable(expectedVersion);
        var now = time.GetUtcNow();
        var applied = DealRules.NewDiscount(discount, now);
        var next = Stamp(DealRecords.Priced(current with { Discounts = [.. current.Discounts, applied] }), now);
        await CommitAudited(next, [Outbox.Event("deal.discount_applied", now, new
        {
            id = next.Id,
            deal_id = next.Id,
            discount_id = applied.Id,
            type = applied.Type,
            value = applied.Value,
            code = applied.Code,
            discount_total = MoneyFormat.Amount(next.Pricing.DiscountTotal, next.Currency),
            total = MoneyFormat.Amount(next.Pricing.Total, next.Currency),
        })], actor, "deal.discount_applied", new { discount_id = applied.Id, applied.Type, applied.Value, applied.Code });
        return next;
    }

    public async Task<DealView> SetTerms(string termsJson, DealActor actor)
    {
        var current = Editable(null);
        var now = time.GetUtcNow();
        var next = Stamp(current with { TermsJson = termsJson, TermsVersion = current.TermsVersion + 1 }, now);
        await CommitAudited(next, [Outbox.Event("deal.updated", now, new
        {
            id = next.Id,
            deal_id = next.Id,
            changed_fields = new[] { "terms" },
            terms_version = next.TermsVersion,
            updated_at = now,
        })], actor, "deal.terms_set", new { terms_version = next.TermsVersion });
        return next;
    }

    /// <summary>The deal if its content may change now (and the If-Match version, when given, is current).</summary>
    private DealView Editable(long? expectedVersion)
    {
        var current = Existing();
        if (expectedVersion is { } expected)
        {
            CheckVersion(expected);
        }
        EnsureChangeable(current, signedContent: true);
        return current;
    }

    private static DealItem Item(DealView deal, string itemId) =>
        deal.Items.FirstOrDefault(i => i.Id == itemId) ?? throw DomainException.NotFound("Line item");
}
