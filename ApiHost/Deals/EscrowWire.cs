using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using ApiHost.Api;
using Grains.Interfaces.Deals;

namespace ApiHost.Deals;

/// <summary>A deal's escrow (Salesbooth §Deals, escrow actions): held money, release conditions and timeline.</summary>
public sealed record EscrowResource(
    string Id, string EscrowId, string DealId, string Status, MoneyAmount Amount, string Currency, bool Releasable, string? PaymentIntentId,
    IReadOnlyList<EscrowConditionRecord> Conditions, DateTimeOffset ExpiresAt, DateTimeOffset CreatedAt, DateTimeOffset? ReleasedAt,
    DateTimeOffset? RefundedAt, string? RefundReason, IReadOnlyList<EscrowTimelineEntry> Timeline);

public sealed record EscrowConditionRecord(string Id, string ConditionId, string Type, JsonNode? Config, string Status, string? MetBy,
    DateTimeOffset? MetAt);

public sealed record EscrowTimelineEntry(string Event, DateTimeOffset At, string Actor, string? Detail);

public sealed record EscrowData(EscrowResource Escrow);

public sealed record DealEscrowData(EscrowResource Escrow, DealResource Deal);

public sealed record EscrowBody : IApiRequest
{
    [Required, MinLength(1)] public IReadOnlyList<EscrowConditionBody>? Conditions { get; init; }
    [Description("Default: the deal total"), Range(0.01, 1_000_000_000_000)] public decimal? Amount { get; init; }
    public string? Currency { get; init; }
    [Description("Seconds until the escrow expires and is refunded")] public int? ExpiresIn { get; init; }
}

public sealed record EscrowConditionBody : IApiRequest
{
    [Required, MaxLength(64), Description("e.g. delivery_confirmed, approval, time_elapsed")] public string? Type { get; init; }
    public JsonObject? Config { get; init; }
}

public sealed record EscrowFulfillBody : IApiRequest
{
    [Required, MaxLength(64)] public string? ConditionId { get; init; }
    [MaxLength(255)] public string? MetBy { get; init; }
}

public sealed record EscrowRefundBody : IApiRequest
{
    [OneOf(typeof(EscrowKeys), nameof(EscrowKeys.RefundReasons)), Description("Why the money goes back; default manual")] public string? Reason { get; init; }
}

/// <summary><c>create-configured</c>: a deal with customer, items, discounts and terms in one write.</summary>
public sealed record DealConfiguredBody : IApiRequest
{
    [MaxLength(255), Description("Default: from the first item")] public string? Title { get; init; }
    [MaxLength(64)] public string? CustomerId { get; init; }
    [Description("Matched by email, or created")] public DealConfiguredCustomer? Customer { get; init; }
    [Required, MinLength(1)] public IReadOnlyList<DealItemBody>? Items { get; init; }
    public IReadOnlyList<DealDiscountBody>? Discounts { get; init; }
    public JsonObject? Terms { get; init; }
    public string? Currency { get; init; }
    [Range(0, 100)] public decimal? TaxRate { get; init; }
    [OneOf(typeof(DealKeys), nameof(DealKeys.DealTypes))] public string? DealType { get; init; }
    [OneOf(typeof(DealKeys), nameof(DealKeys.BillingCycles))] public string? BillingCycle { get; init; }
    [Description("Validate and price without creating anything")] public bool? DryRun { get; init; }
}

public sealed record DealConfiguredCustomer : IApiRequest
{
    [Required, MaxLength(255)] public string? Name { get; init; }
    [Required, EmailAddress] public string? Email { get; init; }
    public string? Phone { get; init; }
    [MaxLength(255)] public string? Company { get; init; }
}

public sealed record DealConfiguredData(DealResource Deal, bool DryRun);
