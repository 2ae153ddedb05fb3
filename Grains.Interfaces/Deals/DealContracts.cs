namespace Grains.Interfaces.Deals;

public static class DealKeys
{
    public const string IdPrefix = "deal";
    public const string ItemPrefix = "item";
    public const string DiscountPrefix = "disc";
    public const string SignaturePrefix = "sig";
    public const string ResourceType = "deal";
    public const string DefaultCurrency = "USD";

    public const string OneTime = "one_time";
    public const string Recurring = "recurring";
    public static readonly IReadOnlyList<string> DealTypes = [OneTime, Recurring];
    public static readonly IReadOnlyList<string> BillingCycles = ["monthly", "quarterly", "annual"];
    public static readonly IReadOnlyList<string> PriceTypes = ["once_off", "recurring", "metered"];
    public static readonly IReadOnlyList<string> SignerTypes = ["user", "customer", "agent", "api_key"];
    public const string PercentageDiscount = "percentage";
    public const string FixedDiscount = "fixed";
    public static readonly IReadOnlyList<string> DiscountTypes = [PercentageDiscount, FixedDiscount];

    public static string Grain(string partition, string dealId) => $"{partition}/{dealId}";
}

/// <summary>
/// Who made a change, for the audit trail: an API key id and its kind; <see cref="DelegationId"/> is the delegation
/// the request acts under (its <c>X-Delegation-ID</c>), whose caps a value-creating change is checked against.
/// </summary>
[GenerateSerializer, Immutable, Alias("deals.actor")]
public sealed record DealActor([property: Id(0)] string Actor, [property: Id(1)] string ActorType, [property: Id(2)] bool IsAgent = false,
    [property: Id(3)] string? DelegationId = null);

/// <summary>Create fields (validated by the API; the grain checks the rules that need other grains).</summary>
[GenerateSerializer, Immutable, Alias("deals.fields")]
public sealed record DealFields(
    [property: Id(0)] string Title,
    [property: Id(1)] string? CustomerId,
    [property: Id(2)] string? Description,
    [property: Id(3)] string Currency,
    [property: Id(4)] decimal TaxRate,
    [property: Id(5)] string DealType,
    [property: Id(6)] string? BillingCycle,
    [property: Id(7)] decimal? DepositRequired,
    [property: Id(8)] string? Notes,
    [property: Id(9)] string? MetadataJson);

/// <summary>A PATCH: null = unchanged; names in <see cref="Cleared"/> are set to nothing.</summary>
[GenerateSerializer, Immutable, Alias("deals.changes")]
public sealed record DealChanges(
    [property: Id(0)] string? Title = null,
    [property: Id(1)] string? CustomerId = null,
    [property: Id(2)] string? Description = null,
    [property: Id(3)] string? Currency = null,
    [property: Id(4)] decimal? TaxRate = null,
    [property: Id(5)] string? DealType = null,
    [property: Id(6)] string? BillingCycle = null,
    [property: Id(7)] decimal? DepositRequired = null,
    [property: Id(8)] string? Notes = null,
    [property: Id(9)] string? MetadataJson = null,
    [property: Id(10)] IReadOnlyList<string>? Cleared = null);

[GenerateSerializer, Immutable, Alias("deals.item-input")]
public sealed record DealItemInput(
    [property: Id(0)] string ProductId,
    [property: Id(1)] string Name,
    [property: Id(2)] decimal UnitPrice,
    [property: Id(3)] int Quantity,
    [property: Id(4)] string? Description = null,
    [property: Id(5)] string? ConfigurationJson = null,
    [property: Id(6)] string? PriceType = null,
    [property: Id(7)] string? BillingCycle = null);

[GenerateSerializer, Immutable, Alias("deals.discount-input")]
public sealed record DealDiscountInput(
    [property: Id(0)] string Type,
    [property: Id(1)] decimal Value,
    [property: Id(2)] string? Code = null,
    [property: Id(3)] string? Description = null);

[GenerateSerializer, Immutable, Alias("deals.sign-request")]
public sealed record DealSignRequest(
    [property: Id(0)] string SignerType,
    [property: Id(1)] string SignerId,
    [property: Id(2)] string? SignerCustomerId,
    [property: Id(3)] bool ConsentToSign);

[GenerateSerializer, Immutable, Alias("deals.item")]
public sealed record DealItem(
    [property: Id(0)] string Id,
    [property: Id(1)] string ProductId,
    [property: Id(2)] string Name,
    [property: Id(3)] string? Description,
    [property: Id(4)] decimal UnitPrice,
    [property: Id(5)] int Quantity,
    [property: Id(6)] decimal LineTotal,
    [property: Id(7)] string? PriceType,
    [property: Id(8)] string? BillingCycle,
    [property: Id(9)] string? ConfigurationJson);

[GenerateSerializer, Immutable, Alias("deals.discount")]
public sealed record DealDiscount(
    [property: Id(0)] string Id,
    [property: Id(1)] string Type,
    [property: Id(2)] decimal Value,
    [property: Id(3)] string? Code,
    [property: Id(4)] string? Description,
    [property: Id(5)] DateTimeOffset AppliedAt);

/// <summary>The priced deal: every figure rounded to the currency's minor unit.</summary>
[GenerateSerializer, Immutable, Alias("deals.pricing")]
public sealed record DealPricing(
    [property: Id(0)] decimal Subtotal,
    [property: Id(1)] decimal DiscountTotal,
    [property: Id(2)] decimal DiscountedSubtotal,
    [property: Id(3)] decimal Tax,
    [property: Id(4)] decimal Total);

/// <param name="Side"><c>seller</c> or <c>buyer</c>: the two parties that must sign.</param>
/// <param name="DealHash">The canonical hash of the deal's signed content when it was signed.</param>
[GenerateSerializer, Immutable, Alias("deals.signature")]
public sealed record DealSignature(
    [property: Id(0)] string Id,
    [property: Id(1)] string SignerType,
    [property: Id(2)] string SignerId,
    [property: Id(3)] string? SignerCustomerId,
    [property: Id(4)] bool IsAgentSigner,
    [property: Id(5)] string Side,
    [property: Id(6)] DateTimeOffset SignedAt,
    [property: Id(7)] string DealHash,
    [property: Id(8)] string KeyId,
    [property: Id(9)] string Algorithm,
    [property: Id(10)] string SignatureBase64,
    [property: Id(11)] bool ConsentToSign);

[GenerateSerializer, Immutable, Alias("deals.outcome")]
public sealed record DealOutcome(
    [property: Id(0)] string Reason,
    [property: Id(1)] string? Notes,
    [property: Id(2)] string? CompetitorName,
    [property: Id(3)] DateTimeOffset RecordedAt);

[GenerateSerializer, Immutable, Alias("deals.view")]
public sealed record DealView(
    [property: Id(0)] string Id,
    [property: Id(1)] string? CustomerId,
    [property: Id(2)] string Title,
    [property: Id(3)] string? Description,
    [property: Id(4)] string Status,
    [property: Id(5)] string DealType,
    [property: Id(6)] string? BillingCycle,
    [property: Id(7)] string Currency,
    [property: Id(8)] decimal TaxRate,
    [property: Id(9)] decimal? DepositRequired,
    [property: Id(10)] string? Notes,
    [property: Id(11)] string? MetadataJson,
    [property: Id(12)] IReadOnlyList<DealItem> Items,
    [property: Id(13)] IReadOnlyList<DealDiscount> Discounts,
    [property: Id(14)] DealPricing Pricing,
    [property: Id(15)] string? TermsJson,
    [property: Id(16)] int TermsVersion,
    [property: Id(17)] IReadOnlyList<DealSignature> Signatures,
    [property: Id(18)] DealOutcome? Outcome,
    [property: Id(19)] long Version,
    [property: Id(20)] DateTimeOffset CreatedAt,
    [property: Id(21)] DateTimeOffset UpdatedAt,
    [property: Id(22)] DateTimeOffset? ClosedAt,
    [property: Id(23)] string? DeclinedFromDealId,
    [property: Id(24)] DealNegotiated? Negotiated = null);

[GenerateSerializer, Immutable, Alias("deals.valid-transition")]
public sealed record DealValidTransition(
    [property: Id(0)] DealTransition Transition,
    [property: Id(1)] bool Available,
    [property: Id(2)] IReadOnlyList<string> UnmetConditions);

[GenerateSerializer, Immutable, Alias("deals.partial-accept-result")]
public sealed record DealPartialAcceptResult([property: Id(0)] DealView Deal, [property: Id(1)] DealView? DeclinedDeal);

[GenerateSerializer, Immutable, Alias("deals.deletion")]
public sealed record DealDeletion([property: Id(0)] bool HardDeleted, [property: Id(1)] DealView? Deal);

/// <param name="Status"><c>verified</c>, <c>tampered</c> or <c>unsigned</c>.</param>
[GenerateSerializer, Immutable, Alias("deals.verification")]
public sealed record DealVerification(
    [property: Id(0)] string DealId,
    [property: Id(1)] string Status,
    [property: Id(2)] string? StoredHash,
    [property: Id(3)] string CurrentHash,
    [property: Id(4)] bool? SignatureValid,
    [property: Id(5)] string? Algorithm,
    [property: Id(6)] DateTimeOffset? SignedAt);

[GenerateSerializer, Immutable, Alias("deals.audit-page")]
public sealed record DealAuditPage([property: Id(0)] IReadOnlyList<AuditEntry> Entries, [property: Id(1)] int Total);
