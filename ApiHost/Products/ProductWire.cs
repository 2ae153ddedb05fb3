using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using ApiHost.Api;
using Grains.Interfaces.Products;

namespace ApiHost.Products;

/// <summary>The product object (Salesbooth §Products). Money is a JSON number, exactly as stored.</summary>
public sealed record ProductResource(
    string Id, string ProductId, string Name, string? Description, string? Sku, string Type, string Status, decimal Price, string Currency,
    decimal? Cost, string PriceType, string? BillingCycle, string PricingModel, string? Unit, decimal? TaxRate, string? Category,
    int? StockQuantity, bool TrackInventory, int? LowStockThreshold, JsonNode? Metadata, JsonNode? ConfigurationSchema, string? FamilyId,
    bool RequiresBooking, int? SessionDuration, int? BufferTime, int MaxAdvanceDays, int MinAdvanceHours, bool AllowStaffSelection,
    string? LearnMoreUrl, IReadOnlyList<string> Features, long Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record ProductData(ProductResource Product);

public sealed record ProductList(IReadOnlyList<ProductResource> Products, Pagination Pagination);

public sealed record ProductDeleted(string Id, string ProductId, bool Deleted);

/// <summary><c>?action=options</c>: the product's configuration options schema (null when it has none).</summary>
public sealed record ProductOptions(string Id, string ProductId, JsonNode? ConfigurationSchema);

/// <summary>The PATCH body: any subset of the create fields; null clears a field or restores its default.</summary>
public record ProductPatch : IApiRequest
{
    [MaxLength(FieldReader.NameMaxLength)] public virtual string? Name { get; init; }
    [Range(0, 1_000_000_000_000), Description("A number or a decimal string")] public virtual decimal? Price { get; init; }
    [MaxLength(FieldReader.DescriptionMaxLength)] public string? Description { get; init; }
    [Description("ISO 4217 code")] public string? Currency { get; init; }
    [Range(0, 1_000_000_000_000)] public decimal? Cost { get; init; }
    [MaxLength(FieldReader.NameMaxLength)] public string? Sku { get; init; }
    [OneOf(typeof(ProductKeys), nameof(ProductKeys.Types))] public string? Type { get; init; }
    [OneOf(typeof(ProductKeys), nameof(ProductKeys.PriceTypes))] public string? PriceType { get; init; }
    [OneOf(typeof(ProductKeys), nameof(ProductKeys.BillingCycles))] public string? BillingCycle { get; init; }
    [OneOf(typeof(ProductKeys), nameof(ProductKeys.PricingModels))] public string? PricingModel { get; init; }
    [MaxLength(FieldReader.NameMaxLength)] public string? Unit { get; init; }
    [Range(0, 100), Description("A fraction 0..1 or a percentage")] public decimal? TaxRate { get; init; }
    [MaxLength(FieldReader.NameMaxLength)] public string? Category { get; init; }
    [OneOf(typeof(ProductKeys), nameof(ProductKeys.Statuses))] public string? Status { get; init; }
    [Range(0, int.MaxValue)] public int? StockQuantity { get; init; }
    public bool? TrackInventory { get; init; }
    [Range(0, int.MaxValue)] public int? LowStockThreshold { get; init; }
    public JsonObject? Metadata { get; init; }
    [Description("A JSON Schema for the configuration a line item may carry")] public JsonObject? ConfigurationSchema { get; init; }
    [MaxLength(64)] public string? FamilyId { get; init; }
    public bool? RequiresBooking { get; init; }
    [Range(5, 480)] public int? SessionDuration { get; init; }
    [Range(0, 120)] public int? BufferTime { get; init; }
    [Range(1, 3650)] public int? MaxAdvanceDays { get; init; }
    [Range(0, 8760)] public int? MinAdvanceHours { get; init; }
    public bool? AllowStaffSelection { get; init; }
    [Url] public string? LearnMoreUrl { get; init; }
    [MaxLength(100)] public IReadOnlyList<string>? Features { get; init; }
}

/// <summary>The create body: the PATCH fields with name and price required.</summary>
public sealed record ProductInput : ProductPatch
{
    [Required, MaxLength(FieldReader.NameMaxLength)] public override string? Name { get; init; }
    [Required, Range(0, 1_000_000_000_000), Description("A number or a decimal string")] public override decimal? Price { get; init; }
}
