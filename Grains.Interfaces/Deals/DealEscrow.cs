using Orleans.Concurrency;

namespace Grains.Interfaces.Deals;

/// <summary>Escrow vocabulary of the Salesbooth document (§Deals escrow actions).</summary>
public static class EscrowKeys
{
    public const string IdPrefix = "escrow";
    public const string ConditionPrefix = "cond";

    /// <summary>Default <c>expires_in</c>: 7 days.</summary>
    public const int DefaultExpiresInSeconds = 604_800;
    public const int MinExpiresInSeconds = 60;

    /// <summary>The longest hold we accept (one year).</summary>
    public const int MaxExpiresInSeconds = 31_536_000;
    public const int MaxConditions = 20;

    public const string Held = "held";
    public const string Released = "released";
    public const string Refunded = "refunded";

    public const string ConditionPending = "pending";
    public const string ConditionMet = "met";

    /// <summary>The reason recorded when the expiry reminder refunds an unreleased escrow (our addition to the document's list).</summary>
    public const string ExpiredReason = "expired";

    /// <summary>Reasons a client may give to <c>refund_escrow</c> (document); <c>manual</c> is the default.</summary>
    public static readonly IReadOnlyList<string> RefundReasons = ["manual", "condition_failed", "deal_cancelled", "fraud", "duplicate"];
}

[GenerateSerializer, Immutable, Alias("deals.escrow-condition-input")]
public sealed record EscrowConditionInput([property: Id(0)] string Type, [property: Id(1)] string? ConfigJson);

/// <param name="Amount">Null: the deal total.</param>
/// <param name="Currency">Null: the deal currency.</param>
[GenerateSerializer, Immutable, Alias("deals.escrow-request")]
public sealed record EscrowRequest(
    [property: Id(0)] IReadOnlyList<EscrowConditionInput> Conditions,
    [property: Id(1)] decimal? Amount,
    [property: Id(2)] string? Currency,
    [property: Id(3)] int ExpiresInSeconds);

[GenerateSerializer, Immutable, Alias("deals.escrow-condition")]
public sealed record EscrowCondition(
    [property: Id(0)] string Id,
    [property: Id(1)] string Type,
    [property: Id(2)] string? ConfigJson,
    [property: Id(3)] string Status,
    [property: Id(4)] string? MetBy,
    [property: Id(5)] DateTimeOffset? MetAt);

/// <summary>One line of an escrow's timeline: what happened, when, by whom.</summary>
[GenerateSerializer, Immutable, Alias("deals.escrow-step")]
public sealed record EscrowStep(
    [property: Id(0)] string Event,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Actor,
    [property: Id(3)] string? Detail);

/// <param name="Status"><c>held</c>, <c>released</c> or <c>refunded</c>.</param>
/// <param name="RefundReason">One of <see cref="EscrowKeys.RefundReasons"/>, or <c>expired</c>.</param>
/// <param name="PaymentIntentId">The authorised, uncaptured card payment holding the money (release captures it, refund cancels it); null for a ledger-only escrow.</param>
[GenerateSerializer, Immutable, Alias("deals.escrow")]
public sealed record DealEscrow(
    [property: Id(0)] string Id,
    [property: Id(1)] string DealId,
    [property: Id(2)] string Status,
    [property: Id(3)] decimal Amount,
    [property: Id(4)] string Currency,
    [property: Id(5)] IReadOnlyList<EscrowCondition> Conditions,
    [property: Id(6)] DateTimeOffset ExpiresAt,
    [property: Id(7)] DateTimeOffset CreatedAt,
    [property: Id(8)] DateTimeOffset? ReleasedAt,
    [property: Id(9)] DateTimeOffset? RefundedAt,
    [property: Id(10)] string? RefundReason,
    [property: Id(11)] IReadOnlyList<EscrowStep> Timeline,
    [property: Id(12)] string? PaymentIntentId = null)
{
    public bool IsHeld => Status == EscrowKeys.Held;

    public bool Releasable => IsHeld && Conditions.All(c => c.Status == EscrowKeys.ConditionMet);
}

/// <summary>The deal's escrow and the deal it belongs to, after an escrow action.</summary>
[GenerateSerializer, Immutable, Alias("deals.escrow-result")]
public sealed record DealEscrowResult([property: Id(0)] DealEscrow Escrow, [property: Id(1)] DealView Deal);

/// <summary>
/// The escrow side of a deal grain (same key, same activation as <see cref="IDealGrain"/>): one active escrow per
/// deal, conditions, release (closes the deal) and refund; the expiry is a reminder on the deal grain.
/// </summary>
public interface IDealEscrowGrain : IGrainWithStringKey
{
    Task<DealEscrowResult> CreateEscrow(EscrowRequest request, DealActor actor);

    Task<DealEscrowResult> FulfillCondition(string conditionId, string? metBy, DealActor actor);

    Task<DealEscrowResult> ReleaseEscrow(DealActor actor);

    Task<DealEscrowResult> RefundEscrow(string reason, DealActor actor);

    /// <summary>The deal's current (or last) escrow; 404 when it never had one.</summary>
    [AlwaysInterleave]
    Task<DealEscrow> Escrow();
}
