using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ApiHost.Api;
using Grains.Interfaces.Deals;

namespace ApiHost.Deals;

/// <summary>An amount as the document writes it: a decimal string in the currency's minor units, and formatted.</summary>
public sealed record MoneyAmount(string Amount, string Currency, string Formatted);

/// <summary>The deal object (Salesbooth §Deals). Money amounts are decimal strings. <c>id</c> and <c>deal_id</c> both carry the id.</summary>
public sealed record DealResource(
    string Id, string DealId, long Version, string? CustomerId, string Title, string? Description, string Status, string DealType,
    string? BillingCycle, string Currency, string TaxRate, MoneyAmount? DepositRequired, string? Notes, JsonNode? Metadata,
    string Subtotal, string Total,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<DealLineItem>? LineItems,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<DealDiscountApplied>? Discounts,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DealPricingSummary? Pricing,
    JsonNode? Terms, int TermsVersion, IReadOnlyList<DealSignatureRecord> Signatures, DealOutcomeRecord? Outcome,
    string? DeclinedFromDealId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? ClosedAt);

public sealed record DealLineItem(
    string Id, string ItemId, string DealId, string ProductId, string Name, string? Description, int Quantity, string UnitPrice,
    string LineTotal, string? PriceType, string? BillingCycle, JsonNode? Configuration);

public sealed record DealDiscountApplied(string Id, string Type, decimal Value, string? Code, string? Description, DateTimeOffset AppliedAt);

public sealed record DealPricingSummary(string Currency, string TaxRate, MoneyAmount Subtotal, MoneyAmount DiscountTotal, MoneyAmount Tax,
    MoneyAmount Total);

public sealed record DealSignatureRecord(
    string SignatureId, string SignerType, string SignerId, string? SignerCustomerId, string Side, string SignatureMethod,
    string SignatureAlgorithm, string SignatureHash, string Signature, string KeyId, bool ConsentToSign, bool IsAgentSigner,
    DateTimeOffset SignedAt);

public sealed record DealOutcomeRecord(string Reason, string? Notes, string? CompetitorName, DateTimeOffset RecordedAt);

public sealed record DealData(DealResource Deal);

public sealed record DealList(IReadOnlyList<DealResource> Deals, Pagination Pagination);

public sealed record DealDeleted(string Id, string DealId, bool Deleted);

/// <summary><c>partial_accept</c>: the accepted deal and, when asked for, the deal made of the declined items.</summary>
public sealed record DealPartialAcceptData(DealResource Deal, DealResource? DeclinedDeal);

/// <summary>The public verification of a deal's signature and content hash.</summary>
public sealed record DealVerificationData(DealVerificationResult Verification);

public sealed record DealVerificationResult(string DealId, string Status, string Message, DealHashCheck DealHash, DealSignatureCheck? Signature,
    string VerificationMethod, string VerificationNote);

public sealed record DealHashCheck(string? Stored, string Current, bool Matches);

public sealed record DealSignatureCheck(bool? Valid, string? SignatureAlgorithm, DateTimeOffset? SignedAt);

/// <summary>The PATCH body: any subset of the header fields (status changes go through the transition action). Money may be
/// sent as a number or a decimal string.</summary>
public record DealPatch : IApiRequest
{
    [MaxLength(255)] public virtual string? Title { get; init; }
    [MaxLength(64)] public string? CustomerId { get; init; }
    [MaxLength(FieldReader.DescriptionMaxLength)] public string? Description { get; init; }
    public string? Currency { get; init; }
    [Range(0, 100)] public decimal? TaxRate { get; init; }
    [OneOf(typeof(DealKeys), nameof(DealKeys.DealTypes))] public string? DealType { get; init; }
    [OneOf(typeof(DealKeys), nameof(DealKeys.BillingCycles))] public string? BillingCycle { get; init; }
    [Range(0, double.MaxValue)] public decimal? DepositRequired { get; init; }
    [MaxLength(FieldReader.DescriptionMaxLength)] public string? Notes { get; init; }
    public JsonObject? Metadata { get; init; }
}

/// <summary>The create body: the header fields with a title.</summary>
public sealed record DealInput : DealPatch
{
    [Required, MaxLength(255)] public override string? Title { get; init; }
}

public sealed record DealItemBody : IApiRequest
{
    [Required, MaxLength(64)] public string? ProductId { get; init; }
    [Required, MaxLength(255)] public string? Name { get; init; }
    [Required, Range(0, 1_000_000_000)] public decimal? UnitPrice { get; init; }
    [Range(1, 1_000_000)] public int? Quantity { get; init; }
    [MaxLength(FieldReader.DescriptionMaxLength)] public string? Description { get; init; }
    public JsonObject? Configuration { get; init; }
    [OneOf(typeof(DealKeys), nameof(DealKeys.PriceTypes))] public string? PriceType { get; init; }
    [OneOf(typeof(DealKeys), nameof(DealKeys.BillingCycles))] public string? BillingCycle { get; init; }
}

public sealed record DealItemQuantityBody : IApiRequest
{
    [Required, Range(1, 1_000_000)] public int? Quantity { get; init; }
}

public sealed record DealDiscountBody : IApiRequest
{
    [Required, OneOf(typeof(DealKeys), nameof(DealKeys.DiscountTypes))] public string? Type { get; init; }
    [Required, Range(0, 1_000_000_000)] public decimal? Value { get; init; }
    [MaxLength(64)] public string? Code { get; init; }
    [MaxLength(255)] public string? Description { get; init; }
}

public sealed record DealTransitionBody : IApiRequest
{
    [Description("The target status (or the status query parameter)")] public string? Status { get; init; }
}

public sealed record DealSignBody : IApiRequest
{
    [OneOf(typeof(DealKeys), nameof(DealKeys.SignerTypes)), Description("Default api_key")] public string? SignerType { get; init; }
    [MaxLength(128)] public string? SignerId { get; init; }
    [MaxLength(64)] public string? SignerCustomerId { get; init; }
    [Description("Required true when a human signs")] public bool? ConsentToSign { get; init; }
}

public sealed record DealUnsignBody : IApiRequest
{
    [MaxLength(1000)] public string? Reason { get; init; }
}

public sealed record DealTermsBody : IApiRequest
{
    [Required, Description("The terms object: terms_schema_version, payment_terms and more (GET /v1/schema/deal-terms)")]
    public JsonObject? Terms { get; init; }
}

public sealed record DealPartialAcceptBody : IApiRequest
{
    [Required, MinLength(1)] public IReadOnlyList<string>? AcceptedItems { get; init; }
    public IReadOnlyList<string>? RejectedItems { get; init; }
    public bool? CreateDeclinedDeal { get; init; }
}

public sealed record DealOutcomeBody : IApiRequest
{
    [Required, MaxLength(64)] public string? Reason { get; init; }
    [MaxLength(FieldReader.DescriptionMaxLength)] public string? Notes { get; init; }
    [MaxLength(255)] public string? CompetitorName { get; init; }
}

public sealed record DealTransitionsData(string DealId, string CurrentStatus, IReadOnlyList<DealTransitionOption> Transitions);

public sealed record DealTransitionOption(string Target, bool Available, IReadOnlyList<DealTransitionCondition> Conditions, DealActionLink Action);

public sealed record DealTransitionCondition(string Name, string Description, bool Met);

public sealed record DealActionLink(string Method, string Endpoint, string Description);

/// <summary>The published deal state machine (public, cacheable): states, transitions and their conditions.</summary>
public sealed record StateMachineData(string SchemaVersion, IReadOnlyList<string> EntityTypes, DealStateMachineSchema Deals);

public sealed record DealStateMachineSchema(IReadOnlyList<string> States, string InitialState, IReadOnlyList<string> FinalStates,
    IReadOnlyList<StateMachineTransition> Transitions, IReadOnlyDictionary<string, string> Conditions);

public sealed record StateMachineTransition(string From, string To, string Action, string Description, IReadOnlyList<string> Conditions);

public sealed record DealTermsData(string DealId, JsonNode? TermsSchemaVersion, int TermsVersion, JsonNode? Terms);

public sealed record DealTermsComparison(string DealId1, string DealId2, JsonNode Terms1, JsonNode Terms2, bool Identical,
    IReadOnlyList<DealTermsDifference> Differences);

public sealed record DealTermsDifference(string Field, JsonNode? Deal1, JsonNode? Deal2);

public sealed record DealAuditData(string DealId, IReadOnlyList<DealAuditEntry> Entries, Pagination Pagination);

public sealed record DealAuditEntry(string Id, long Sequence, string Action, string Actor, string ActorType, string EntityType, string EntityId,
    JsonNode? Changes, string? PreviousHash, string EntryHash, DateTimeOffset CreatedAt);

public sealed record AuditChainVerification(string Status, int TotalEntries, string? FirstBrokenEntryId, long? FirstBrokenSequence, string? Reason,
    DateTimeOffset VerifiedAt);

public sealed record SigningCertificate(string CertificateVersion, DateTimeOffset GeneratedAt, string Legislation, SigningCertificateDeal Deal,
    IReadOnlyList<SigningCertificateSigner> Signers, IReadOnlyList<SigningConsentEvent> ConsentEvents, AuditChainVerification HashChainVerification,
    string Note);

public sealed record SigningCertificateDeal(string DealId, string Title, string Status, string Currency, string Total, DateTimeOffset CreatedAt);

public sealed record SigningCertificateSigner(string SignatureId, string SignerType, string SignerId, string SignatureMethod, string SignatureAlgorithm,
    string SignatureHash, DateTimeOffset SignedAt, bool IsAgentSigner);

public sealed record SigningConsentEvent(string SignatureId, string SignerId, bool ConsentToSign, DateTimeOffset RecordedAt);
