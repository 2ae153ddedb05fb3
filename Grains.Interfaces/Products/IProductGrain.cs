using Grains.Interfaces.Platform;
using Grains.Interfaces.Events;
using Grains.Interfaces.Projections;

namespace Grains.Interfaces.Products;

/// <summary>One product of one tenant+environment's catalogue, keyed <c>{partition}/{prod_id}</c> (<see cref="ProductKeys.Grain"/>).</summary>
public interface IProductGrain : IGrainWithStringKey
{
    /// <summary>Creates the product at version 1.</summary>
    Task<ProductView> Create(ProductFields fields);

    /// <summary>The product; 404 <c>not_found</c> when it does not exist (or was deleted).</summary>
    Task<ProductView> Get(CancellationToken cancellationToken = default);

    /// <summary>Applies the given fields when <paramref name="expectedVersion"/> is current (else 412); all or nothing.</summary>
    Task<ProductView> Update(ProductFields changes, long expectedVersion);

    /// <summary>Deletes permanently when <paramref name="expectedVersion"/> is current (else 412); 409 while an active deal references it.</summary>
    Task Delete(long expectedVersion);

    /// <summary>Events recorded and not yet handed on (the event pipeline drains these).</summary>
    Task<IReadOnlyList<OutboxEvent>> PendingEvents();
}

/// <summary>Lists and searches one partition's products from the projection. A stateless worker keyed by partition.</summary>
public interface IProductDirectoryGrain : IGrainWithStringKey
{
    Task<ListPage<ProductView>> List(ListQuery query, CancellationToken cancellationToken = default);
}

/// <summary>
/// The writable fields of a product (the document's create/update tables plus <c>currency</c> from the object
/// schema). On create, null means "not given" (defaults apply); on update, null means "unchanged" and a name in
/// <see cref="Cleared"/> means "back to null, or to the default where the field has one".
/// </summary>
[GenerateSerializer, Immutable, Alias("products.fields")]
public sealed record ProductFields : IFieldPatch
{
    [Id(0)] public string? Name { get; init; }
    [Id(1)] public string? Description { get; init; }
    [Id(2)] public decimal? Price { get; init; }
    [Id(3)] public string? Currency { get; init; }
    [Id(4)] public decimal? Cost { get; init; }
    [Id(5)] public string? Sku { get; init; }
    [Id(6)] public string? Type { get; init; }
    [Id(7)] public string? PriceType { get; init; }
    [Id(8)] public string? BillingCycle { get; init; }
    [Id(9)] public string? PricingModel { get; init; }
    [Id(10)] public string? Unit { get; init; }
    [Id(11)] public decimal? TaxRate { get; init; }
    [Id(12)] public string? Category { get; init; }
    [Id(13)] public string? Status { get; init; }
    [Id(14)] public int? StockQuantity { get; init; }
    [Id(15)] public bool? TrackInventory { get; init; }
    [Id(16)] public int? LowStockThreshold { get; init; }
    [Id(17)] public string? MetadataJson { get; init; }
    [Id(18)] public string? ConfigurationSchemaJson { get; init; }
    [Id(19)] public string? FamilyId { get; init; }
    [Id(20)] public bool? RequiresBooking { get; init; }
    [Id(21)] public int? SessionDuration { get; init; }
    [Id(22)] public int? BufferTime { get; init; }
    [Id(23)] public int? MaxAdvanceDays { get; init; }
    [Id(24)] public int? MinAdvanceHours { get; init; }
    [Id(25)] public bool? AllowStaffSelection { get; init; }
    [Id(26)] public string? LearnMoreUrl { get; init; }
    [Id(27)] public IReadOnlyList<string>? Features { get; init; }
    [Id(28)] public IReadOnlyList<string> Cleared { get; init; } = [];
}

/// <summary>A product as stored and shown. Products hold no PII, so the stored record is the view.</summary>
[GenerateSerializer, Immutable, Alias("products.view")]
public sealed record ProductView
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string Name { get; init; }
    [Id(2)] public string? Description { get; init; }
    [Id(3)] public decimal Price { get; init; }
    [Id(4)] public string Currency { get; init; } = ProductKeys.DefaultCurrency;
    [Id(5)] public decimal? Cost { get; init; }
    [Id(6)] public string? Sku { get; init; }
    [Id(7)] public string Type { get; init; } = "product";
    [Id(8)] public string PriceType { get; init; } = "once_off";
    [Id(9)] public string? BillingCycle { get; init; }
    [Id(10)] public string PricingModel { get; init; } = "fixed";
    [Id(11)] public string? Unit { get; init; }
    [Id(12)] public decimal? TaxRate { get; init; }
    [Id(13)] public string? Category { get; init; }
    [Id(14)] public string Status { get; init; } = "active";
    [Id(15)] public int? StockQuantity { get; init; }
    [Id(16)] public bool TrackInventory { get; init; }
    [Id(17)] public int? LowStockThreshold { get; init; }
    [Id(18)] public string? MetadataJson { get; init; }
    [Id(19)] public string? ConfigurationSchemaJson { get; init; }
    [Id(20)] public string? FamilyId { get; init; }
    [Id(21)] public bool RequiresBooking { get; init; }
    [Id(22)] public int? SessionDuration { get; init; }
    [Id(23)] public int? BufferTime { get; init; }
    [Id(24)] public int MaxAdvanceDays { get; init; } = ProductKeys.DefaultMaxAdvanceDays;
    [Id(25)] public int MinAdvanceHours { get; init; } = ProductKeys.DefaultMinAdvanceHours;
    [Id(26)] public bool AllowStaffSelection { get; init; } = true;
    [Id(27)] public string? LearnMoreUrl { get; init; }
    [Id(28)] public IReadOnlyList<string> Features { get; init; } = [];
    [Id(29)] public long Version { get; init; }
    [Id(30)] public DateTimeOffset CreatedAt { get; init; }
    [Id(31)] public DateTimeOffset UpdatedAt { get; init; }
}

public static class ProductKeys
{
    public const string IdPrefix = "prod";

    /// <summary>The projection's resource type.</summary>
    public const string ResourceType = "product";

    public const string DefaultCurrency = "USD";
    public const int DefaultMaxAdvanceDays = 90;
    public const int DefaultMinAdvanceHours = 24;

    public static readonly IReadOnlyList<string> Statuses = ["active", "inactive", "archived"];
    public static readonly IReadOnlyList<string> Types = ["product", "service", "subscription", "bundle"];
    public static readonly IReadOnlyList<string> PriceTypes = ["once_off", "recurring", "percentage", "metered"];
    public static readonly IReadOnlyList<string> BillingCycles = ["monthly", "quarterly", "annual"];
    public static readonly IReadOnlyList<string> PricingModels = ["fixed", "tiered", "volume", "usage"];

    /// <summary>The grain key: the caller's partition (<c>tenant:environment</c>) and the product id.</summary>
    public static string Grain(string partition, string productId) => $"{partition}/{productId}";
}
