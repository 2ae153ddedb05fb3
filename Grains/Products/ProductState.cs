using Grains.Idempotency;
using Grains.Resources;
using System.Text.Json;
using Grains.Interfaces.Events;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Products;
using Grains.Interfaces.Projections;
using Grains.Platform;

namespace Grains.Products;

[GenerateSerializer, Alias("products.state")]
public sealed class ProductState : IResourceState<ProductView>
{
    /// <summary>The product; null before creation and after deletion.</summary>
    [Id(0)] public ProductView? Record { get; set; }

    /// <summary>A deleted product keeps this tombstone (no data) so its id is never reused and its last event is kept.</summary>
    [Id(1)] public bool Deleted { get; set; }

    /// <summary>Version of the last change, deletion included.</summary>
    [Id(2)] public long Version { get; set; }

    /// <summary>The version the projection is known to have; behind <see cref="Version"/> means "re-project on activation".</summary>
    [Id(3)] public long ProjectionVersion { get; set; }

    [Id(4)] public List<OutboxEvent> Outbox { get; set; } = [];

    /// <summary>Keyed changes this grain committed (the request's outcome, written with the change).</summary>
    [Id(5)] public Dictionary<string, AppliedKey> AppliedKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Rows the next write derives (not serialized; see <see cref="IHoldsDerivedRows"/>).</summary>
    [field: NonSerialized]
    public DerivedRows? DerivedRows { get; set; }
}

/// <summary>Creates and changes products, enforces their cross-field rules, and maps them to projection rows (all pure).</summary>
public static class ProductRecords
{
    private const int MaxSearchTokens = 256;

    // Compared to decide what changed; bookkeeping fields change on every write anyway.
    private static readonly HashSet<string> Bookkeeping = ["version", "created_at", "updated_at"];

    public static ProductView New(string id, ProductFields fields, DateTimeOffset now)
    {
        if (fields.Price is null)
        {
            throw DomainException.Invalid("price", "required", "price is required");
        }
        var blank = new ProductView { Id = id, Name = "", Version = 1, CreatedAt = now, UpdatedAt = now };
        return Apply(blank, fields with { Cleared = [] }).Next;
    }

    /// <summary>The product with <paramref name="changes"/> applied and checked, and the names of the fields that changed.</summary>
    public static (ProductView Next, IReadOnlyList<string> Changed) Apply(ProductView current, ProductFields changes)
    {
        if (new[] { "name", "price" }.FirstOrDefault(changes.IsCleared) is { } required)
        {
            throw DomainException.Invalid(required, "required", $"{required} is required");
        }

        var next = current with
        {
            Name = changes.Name ?? current.Name,
            Description = changes.Patched(changes.Description, current.Description, "description"),
            Price = changes.Price ?? current.Price,
            Currency = changes.PatchedOr(changes.Currency, current.Currency, "currency", ProductKeys.DefaultCurrency),
            Cost = changes.PatchedValue(changes.Cost, current.Cost, "cost"),
            Sku = changes.Patched(changes.Sku, current.Sku, "sku"),
            Type = changes.PatchedOr(changes.Type, current.Type, "type", "product"),
            PriceType = changes.PatchedOr(changes.PriceType, current.PriceType, "price_type", "once_off"),
            BillingCycle = changes.Patched(changes.BillingCycle, current.BillingCycle, "billing_cycle"),
            PricingModel = changes.PatchedOr(changes.PricingModel, current.PricingModel, "pricing_model", "fixed"),
            Unit = changes.Patched(changes.Unit, current.Unit, "unit"),
            TaxRate = changes.PatchedValue(changes.TaxRate, current.TaxRate, "tax_rate"),
            Category = changes.Patched(changes.Category, current.Category, "category"),
            Status = changes.PatchedOr(changes.Status, current.Status, "status", "active"),
            StockQuantity = changes.PatchedValue(changes.StockQuantity, current.StockQuantity, "stock_quantity"),
            TrackInventory = changes.PatchedValueOr(changes.TrackInventory, current.TrackInventory, "track_inventory", false),
            LowStockThreshold = changes.PatchedValue(changes.LowStockThreshold, current.LowStockThreshold, "low_stock_threshold"),
            MetadataJson = changes.Patched(changes.MetadataJson, current.MetadataJson, "metadata"),
            ConfigurationSchemaJson = changes.Patched(changes.ConfigurationSchemaJson, current.ConfigurationSchemaJson, "configuration_schema"),
            FamilyId = changes.Patched(changes.FamilyId, current.FamilyId, "family_id"),
            RequiresBooking = changes.PatchedValueOr(changes.RequiresBooking, current.RequiresBooking, "requires_booking", false),
            SessionDuration = changes.PatchedValue(changes.SessionDuration, current.SessionDuration, "session_duration"),
            BufferTime = changes.PatchedValue(changes.BufferTime, current.BufferTime, "buffer_time"),
            MaxAdvanceDays = changes.PatchedValueOr(changes.MaxAdvanceDays, current.MaxAdvanceDays, "max_advance_days", ProductKeys.DefaultMaxAdvanceDays),
            MinAdvanceHours = changes.PatchedValueOr(changes.MinAdvanceHours, current.MinAdvanceHours, "min_advance_hours", ProductKeys.DefaultMinAdvanceHours),
            AllowStaffSelection = changes.PatchedValueOr(changes.AllowStaffSelection, current.AllowStaffSelection, "allow_staff_selection", true),
            LearnMoreUrl = changes.Patched(changes.LearnMoreUrl, current.LearnMoreUrl, "learn_more_url"),
            Features = changes.PatchedOr(changes.Features, current.Features, "features", []),
        };
        Check(next);
        return (next, Changed(current, next));
    }

    public static ProjectionRow ToRow(string partition, ProductView product)
    {
        var filters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["type"] = product.Type,
            ["requires_booking"] = product.RequiresBooking ? "1" : "0",
        };
        if (product.Category is { Length: > 0 } category)
        {
            filters["category"] = category.ToLowerInvariant();
        }
        if (product.FamilyId is { Length: > 0 } family)
        {
            filters["family"] = family;
        }
        return new ProjectionRow(partition, ProductKeys.ResourceType, product.Id, product.Version, product.Status, product.CreatedAt,
            product.UpdatedAt, filters, SearchTokens(product), ResourceDocuments.Write(product), product.Price);
    }

    public static ProductView FromDocument(string document) =>
        ResourceDocuments.Read<ProductView>(document);

    /// <summary>Products hold no PII, so search tokens are plain words of the name, SKU and description.</summary>
    public static IReadOnlyList<string> SearchTokens(ProductView product) =>
        SearchWords.Of(product.Name).Concat(SearchWords.Of(product.Sku)).Concat(SearchWords.Of(product.Description))
            .Where(w => w.Length <= 100)
            .Distinct(StringComparer.Ordinal)
            .Take(MaxSearchTokens)
            .ToList();

    /// <summary>The rules that span fields or guard the grain's own invariants (formats and ranges are the API's job).</summary>
    private static void Check(ProductView product)
    {
        if (string.IsNullOrWhiteSpace(product.Name))
        {
            throw DomainException.Invalid("name", "required", "name is required");
        }
        if (product.Price < 0)
        {
            throw DomainException.Invalid("price", "out_of_range", "price must be at least 0");
        }
        OneOf(product.Type, ProductKeys.Types, "type");
        OneOf(product.PriceType, ProductKeys.PriceTypes, "price_type");
        OneOf(product.PricingModel, ProductKeys.PricingModels, "pricing_model");
        OneOf(product.Status, ProductKeys.Statuses, "status");
        if (product.BillingCycle is not null)
        {
            OneOf(product.BillingCycle, ProductKeys.BillingCycles, "billing_cycle");
        }
        ProductInputRules.CheckBillingCycle(product.PriceType, product.BillingCycle);
    }

    private static void OneOf(string value, IReadOnlyList<string> allowed, string field)
    {
        if (!allowed.Contains(value))
        {
            throw DomainException.Invalid(field, "invalid", $"{field} must be one of: {string.Join(", ", allowed)}");
        }
    }

    private static List<string> Changed(ProductView before, ProductView after)
    {
        var a = JsonSerializer.SerializeToElement(before, ResourceDocuments.SnakeCase);
        var b = JsonSerializer.SerializeToElement(after, ResourceDocuments.SnakeCase);
        return a.EnumerateObject()
            .Where(p => !Bookkeeping.Contains(p.Name) && p.Value.GetRawText() != b.GetProperty(p.Name).GetRawText())
            .Select(p => p.Name.EndsWith("_json", StringComparison.Ordinal) ? p.Name[..^5] : p.Name)
            .ToList();
    }
}
