using System.Text.Json;
using System.Text.Json.Nodes;
using ApiHost.Api;
using ApiHost.Api.Lists;
using Grains.Interfaces.Products;

namespace ApiHost.Products;

/// <summary>The product's wire format: the documented body fields in, the product object out.</summary>
public static class ProductContract
{
    public const decimal MaxAmount = 1_000_000_000_000m;

    private static readonly string[] Optional =
    [
        "description", "currency", "cost", "sku", "type", "price_type", "billing_cycle", "pricing_model", "unit", "tax_rate",
        "category", "status", "stock_quantity", "track_inventory", "low_stock_threshold", "metadata", "configuration_schema",
        "family_id", "requires_booking", "session_duration", "buffer_time", "max_advance_days", "min_advance_hours",
        "allow_staff_selection", "learn_more_url", "features",
    ];

    /// <summary>
    /// Reads the document's create/update tables (plus <c>currency</c> from the object schema). Everything else
    /// (id, version, timestamps, unknown keys) is dropped. On update only the fields present are changed; null
    /// clears a field or restores its default.
    /// </summary>
    public static ProductFields Read(JsonElement body, bool creating)
    {
        var f = new FieldReader(body);
        var name = f.String("name", required: creating || f.Has("name"));
        var price = f.Decimal("price", required: creating || f.Has("price"), min: 0m, max: MaxAmount);
        var description = f.String("description", maxLength: FieldReader.DescriptionMaxLength);
        var currency = f.Currency("currency");
        var cost = f.Decimal("cost", min: 0m, max: MaxAmount);
        var sku = f.String("sku");
        var type = f.Enum("type", ProductKeys.Types);
        var priceType = f.Enum("price_type", ProductKeys.PriceTypes);
        var billingCycle = f.Enum("billing_cycle", ProductKeys.BillingCycles);
        var pricingModel = f.Enum("pricing_model", ProductKeys.PricingModels);
        var unit = f.String("unit");
        var taxRate = f.TaxRate("tax_rate");
        var category = f.String("category");
        var status = f.Enum("status", ProductKeys.Statuses);
        var stockQuantity = f.Integer("stock_quantity", min: 0);
        var trackInventory = f.Boolean("track_inventory");
        var lowStockThreshold = f.Integer("low_stock_threshold", min: 0);
        var metadata = f.Metadata("metadata");
        var configurationSchema = f.IsNull("configuration_schema") ? null : f.Metadata("configuration_schema", maxDepth: 16);
        var familyId = f.String("family_id", maxLength: 64);
        var requiresBooking = f.Boolean("requires_booking");
        var sessionDuration = f.Integer("session_duration", min: 5, max: 480);
        var bufferTime = f.Integer("buffer_time", min: 0, max: 120);
        var maxAdvanceDays = f.Integer("max_advance_days", min: 1, max: 3650);
        var minAdvanceHours = f.Integer("min_advance_hours", min: 0, max: 8760);
        var allowStaffSelection = f.Boolean("allow_staff_selection");
        var learnMoreUrl = f.Url("learn_more_url");
        var features = f.StringList("features", maxItems: 100);
        f.ThrowIfInvalid();

        return new ProductFields
        {
            Name = name,
            Price = price,
            Description = FieldReader.Blank(description),
            Currency = FieldReader.Blank(currency),
            Cost = cost,
            Sku = FieldReader.Blank(sku),
            Type = FieldReader.Blank(type),
            PriceType = FieldReader.Blank(priceType),
            BillingCycle = FieldReader.Blank(billingCycle),
            PricingModel = FieldReader.Blank(pricingModel),
            Unit = FieldReader.Blank(unit),
            TaxRate = taxRate,
            Category = FieldReader.Blank(category),
            Status = FieldReader.Blank(status),
            StockQuantity = stockQuantity,
            TrackInventory = trackInventory,
            LowStockThreshold = lowStockThreshold,
            MetadataJson = metadata,
            ConfigurationSchemaJson = configurationSchema,
            FamilyId = FieldReader.Blank(familyId),
            RequiresBooking = requiresBooking,
            SessionDuration = sessionDuration,
            BufferTime = bufferTime,
            MaxAdvanceDays = maxAdvanceDays,
            MinAdvanceHours = minAdvanceHours,
            AllowStaffSelection = allowStaffSelection,
            LearnMoreUrl = FieldReader.Blank(learnMoreUrl),
            Features = features,
            Cleared = creating ? [] : ResourceRequests.ClearedFields(body, Optional),
        };
    }

    /// <summary>
    /// The product object. Both <c>id</c> (object schema) and <c>product_id</c> (the document's SDK examples) carry
    /// the id; see docs/decisions.md. Money is decimal, written as a JSON number exactly as stored.
    /// </summary>
    public static ProductResource Resource(ProductView p) => new(p.Id, p.Id, p.Name, p.Description, p.Sku, p.Type, p.Status, p.Price,
        p.Currency, p.Cost, p.PriceType, p.BillingCycle, p.PricingModel, p.Unit, p.TaxRate, p.Category, p.StockQuantity, p.TrackInventory,
        p.LowStockThreshold, Wire.Metadata(p.MetadataJson), Wire.Json(p.ConfigurationSchemaJson), p.FamilyId, p.RequiresBooking,
        p.SessionDuration, p.BufferTime, p.MaxAdvanceDays, p.MinAdvanceHours, p.AllowStaffSelection, p.LearnMoreUrl, p.Features, p.Version,
        p.CreatedAt, p.UpdatedAt);

    public static JsonObject ToJson(ProductView p) => Wire.ToObject(Resource(p));

    /// <summary>A single product's <c>data</c>: <c>{"product": {...}}</c>.</summary>
    public static JsonObject Single(ProductView product, ListShape? shape = null) =>
        new() { ["product"] = (shape ?? ListShape.Full).Apply(ToJson(product)) };

    /// <summary><c>?action=options</c>: the product's configuration options schema (null when it has none).</summary>
    public static ProductOptions Options(ProductView p) => new(p.Id, p.Id, Wire.Json(p.ConfigurationSchemaJson));
}
