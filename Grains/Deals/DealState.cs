using Grains.Platform;
using Grains.Idempotency;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Events;
using Grains.Interfaces.Payments;
using Grains.Resources;

namespace Grains.Deals;

[GenerateSerializer, Alias("deals.state")]
public sealed class DealState : IResourceState<DealView>
{
    [Id(0)] public DealView? Record { get; set; }

    [Id(1)] public bool Deleted { get; set; }

    [Id(2)] public long Version { get; set; }

    [Id(3)] public long ProjectionVersion { get; set; }

    [Id(4)] public List<OutboxEvent> Outbox { get; set; } = [];

    /// <summary>The last audit entry: the next one chains to its hash.</summary>
    [Id(5)] public AuditEntry? AuditTail { get; set; }

    /// <summary>Audit entries written with the change but not yet in the audit store (handed on after the write).</summary>
    [Id(6)] public List<AuditEntry> PendingAudit { get; set; } = [];

    /// <summary>Keyed changes this grain committed (the request's outcome, written with the change).</summary>
    [Id(7)] public Dictionary<string, AppliedKey> AppliedKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Rows the next write derives (not serialized; see <see cref="IHoldsDerivedRows"/>).</summary>
    [field: NonSerialized]
    public DerivedRows? DerivedRows { get; set; }

    /// <summary>The deal's current or last escrow (one held at a time); see <c>DealGrain.Escrow.cs</c>.</summary>
    [Id(8)] public DealEscrow? Escrow { get; set; }

    /// <summary>The deal's negotiation (one per deal: it ends accepted, rejected or expired); see <c>DealGrain.Negotiation.cs</c>.</summary>
    [Id(9)] public DealNegotiation? Negotiation { get; set; }

    /// <summary>The deal's payments (intents, history, applied Stripe events); see <c>DealGrain.Payments.cs</c>.</summary>
    [Id(11)] public DealPayments? Payments { get; set; }
    /// <summary>The delegation whose caps hold this deal's value (created under <c>X-Delegation-ID</c>); see <c>DealGrain.Delegation.cs</c>.</summary>
    [Id(10)] public DealDelegationHold? Delegation { get; set; }

    /// <summary>The agent key (<c>key_agent_...</c>) that created the deal: its trust counts the deal's outcome; see <c>DealGrain.Trust.cs</c>.</summary>
    [Id(12)] public string? AgentKeyId { get; set; }

    /// <summary>When the payment of a deal in <c>pending_payment</c> falls due; see <c>DealGrain.Deadlines.cs</c>.</summary>
    [Id(16)] public DealPaymentDue? PaymentDue { get; set; }
}

/// <param name="DueAt">Entry into <c>pending_payment</c> plus <see cref="DealOptions.PaymentOverdueAfter"/>.</param>
/// <param name="OverdueAt">When <c>deal.payment_overdue</c> was emitted (once per entry into <c>pending_payment</c>).</param>
[GenerateSerializer, Immutable, Alias("deals.payment-due")]
public sealed record DealPaymentDue([property: Id(0)] DateTimeOffset DueAt, [property: Id(1)] DateTimeOffset? OverdueAt);
