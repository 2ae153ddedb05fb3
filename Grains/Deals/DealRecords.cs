using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Grains.Deals.Pricing;
using Grains.Deals.Signing;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Money;
using Grains.Interfaces.Projections;
using Grains.Platform;

namespace Grains.Deals;

/// <summary>Pure rules of a deal: pricing, the signed hash, the projection row and event payloads.</summary>
public static class DealRecords
{
    private static readonly JsonSerializerOptions DocumentJson = new(JsonSerializerDefaults.Web);

    /// <summary>Re-prices the deal from its items, discounts, currency and tax rate (on every change).</summary>
    public static DealView Priced(DealView deal)
    {
        var price = DealPricer.Price(deal.Currency, deal.TaxRate,
            [.. deal.Items.Select(i => new PriceLine(i.Id, i.UnitPrice, i.Quantity))],
            [.. deal.Discounts.Select(d => new PriceDiscount(d.Type, d.Value))]);
        var totals = price.Lines.ToDictionary(l => l.ItemId, l => l.LineTotal);
        return deal with
        {
            Items = [.. deal.Items.Select(i => i with { LineTotal = totals[i.Id] })],
            Pricing = new DealPricing(price.Subtotal, price.DiscountTotal, price.DiscountedSubtotal, price.Tax, price.Total),
        };
    }

    public static DealPricing NoPricing => new(0, 0, 0, 0, 0);

    /// <summary>
    /// SHA-256 (hex) of the canonical JSON of what a signature covers: parties, items, discounts, pricing and terms.
    /// Notes, metadata and status are not part of it (they may change without invalidating a signature).
    /// </summary>
    public static string SignedHash(DealView deal)
    {
        string Money(decimal amount) => MoneyFormat.Amount(amount, deal.Currency);
        var content = new JsonObject
        {
            ["deal_id"] = deal.Id,
            ["customer_id"] = deal.CustomerId,
            ["title"] = deal.Title,
            ["currency"] = deal.Currency,
            ["tax_rate"] = TaxRates.Format(deal.TaxRate),
            ["deal_type"] = deal.DealType,
            ["billing_cycle"] = deal.BillingCycle,
            ["line_items"] = new JsonArray([.. deal.Items.Select(i => (JsonNode)new JsonObject
            {
                ["id"] = i.Id,
                ["product_id"] = i.ProductId,
                ["name"] = i.Name,
                ["unit_price"] = Money(i.UnitPrice),
                ["quantity"] = i.Quantity,
                ["line_total"] = Money(i.LineTotal),
                ["price_type"] = i.PriceType,
                ["billing_cycle"] = i.BillingCycle,
                ["configuration"] = i.ConfigurationJson is null ? null : JsonNode.Parse(i.ConfigurationJson),
            })]),
            ["discounts"] = new JsonArray([.. deal.Discounts.Select(d => (JsonNode)new JsonObject
            {
                ["id"] = d.Id,
                ["type"] = d.Type,
                ["value"] = d.Value.ToString(CultureInfo.InvariantCulture),
                ["code"] = d.Code,
            })]),
            ["pricing"] = new JsonObject
            {
                ["subtotal"] = Money(deal.Pricing.Subtotal),
                ["discount_total"] = Money(deal.Pricing.DiscountTotal),
                ["tax"] = Money(deal.Pricing.Tax),
                ["total"] = Money(deal.Pricing.Total),
            },
            ["terms"] = deal.TermsJson is null ? null : JsonNode.Parse(deal.TermsJson),
        };
        return CanonicalJson.Sha256Hex(CanonicalJson.Canonicalize(content.ToJsonString()));
    }

    /// <summary>The document writes tax rates with four decimals: <c>"0.1000"</c>.</summary>

    public static ProjectionRow ToRow(string partition, DealView deal)
    {
        var tokens = SearchWords.Of(deal.Title).Concat(SearchWords.Of(deal.Id))
            .Concat(deal.Items.Select(i => ProductToken(i.ProductId)))
            .Distinct(StringComparer.Ordinal)
            .Take(256)
            .ToList();
        var filters = new Dictionary<string, string>();
        if (deal.CustomerId is { } customer)
        {
            filters["customer_id"] = customer;
        }
        return new ProjectionRow(partition, DealKeys.ResourceType, deal.Id, deal.Version, deal.Status, deal.CreatedAt, deal.UpdatedAt,
            filters, tokens, JsonSerializer.Serialize(deal, DocumentJson), deal.Pricing.Total);
    }

    public static DealView FromDocument(string document) =>
        JsonSerializer.Deserialize<DealView>(document, DocumentJson) ?? throw new JsonException("Empty deal document");

    /// <summary>A search token no typed search can produce (search words have no colon): deals that use a product.</summary>
    public static string ProductToken(string productId) => $"product:{productId}";

    /// <summary>The webhook payload shape of the document's deal.created example (money as strings).</summary>
    public static object Summary(DealView d) => new
    {
        id = d.Id,
        deal_id = d.Id,
        customer_id = d.CustomerId,
        title = d.Title,
        status = d.Status,
        currency = d.Currency,
        subtotal = MoneyFormat.Amount(d.Pricing.Subtotal, d.Currency),
        total = MoneyFormat.Amount(d.Pricing.Total, d.Currency),
        version = d.Version,
        created_at = d.CreatedAt,
        updated_at = d.UpdatedAt,
    };
}
