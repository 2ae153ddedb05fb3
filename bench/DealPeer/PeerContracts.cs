using System.Text.Json.Serialization;

namespace DealPeer;

public sealed record CreateDealRequest(string? CustomerId, string? Title, string? Currency, decimal? TaxRate);

public sealed record AddItemRequest(string? ProductId, string? Name, decimal? UnitPrice, int? Quantity);

public sealed record CreateCustomerRequest(string? Name, string? Email, string? Company);

public sealed record CreateProductRequest(string? Name, decimal? Price, string? Type);

public sealed record ItemResponse(string Id, string ProductId, string Name, string UnitPrice, int Quantity, string LineTotal);

public sealed record DealResponse(string Id, string DealId, string CustomerId, string Title, string Status, string Currency, decimal TaxRate,
    IReadOnlyList<ItemResponse> LineItems, string Subtotal, string DiscountTotal, string TaxAmount, string Total, long Version,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record DealData(DealResponse Deal);

public sealed record CustomerData(Customer Customer);

public sealed record ProductData(Product Product);

public sealed record Envelope<T>(bool Success, T Data);

public sealed record ErrorBody(string Code, string Message);

public sealed record ErrorEnvelope(bool Success, ErrorBody Error);

/// <summary>What the audit entry records as changed and the outbox event carries, per request kind.</summary>
public sealed record ItemAdded(string DealId, string ItemId, string ProductId, int Quantity, string UnitPrice, string LineTotal, string Total);

public sealed record StatusChanged(string DealId, string From, string To);

/// <summary>Source-generated JSON, snake_case like the product's wire format (ASP.NET Core's documented fast path).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CreateDealRequest))]
[JsonSerializable(typeof(AddItemRequest))]
[JsonSerializable(typeof(CreateCustomerRequest))]
[JsonSerializable(typeof(CreateProductRequest))]
[JsonSerializable(typeof(Envelope<DealData>))]
[JsonSerializable(typeof(Envelope<CustomerData>))]
[JsonSerializable(typeof(Envelope<ProductData>))]
[JsonSerializable(typeof(ErrorEnvelope))]
[JsonSerializable(typeof(DealResponse))]
[JsonSerializable(typeof(ItemAdded))]
[JsonSerializable(typeof(StatusChanged))]
public sealed partial class PeerJson : JsonSerializerContext;
