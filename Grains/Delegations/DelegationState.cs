using Grains.Idempotency;
using Grains.Interfaces.Delegations;
using Grains.Interfaces.Events;
using Grains.Platform;
using Grains.Resources;

namespace Grains.Delegations;

[GenerateSerializer, Alias("delegations.state")]
public sealed class DelegationState : IResourceState<DelegationView>
{
    [Id(0)] public DelegationView? Record { get; set; }

    [Id(1)] public bool Deleted { get; set; }

    [Id(2)] public long Version { get; set; }

    [Id(3)] public long ProjectionVersion { get; set; }

    [Id(4)] public List<OutboxEvent> Outbox { get; set; } = [];

    [Id(5)] public Dictionary<string, AppliedKey> AppliedKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Direct sub-delegations: revocation and expiry are passed on to them.</summary>
    [Id(6)] public List<string> Children { get; set; } = [];

    /// <summary>Amounts held for deals (by deal id) until they are released (cancelled) or settled (closed).</summary>
    [Id(7)] public Dictionary<string, DelegationReservation> Reservations { get; set; } = new(StringComparer.Ordinal);

    /// <summary>What was done under this delegation as the acting link, newest last (<see cref="DelegationApprovals.ActivityKept"/> kept).</summary>
    [Id(8)] public List<DelegationActivity> Activity { get; set; } = [];

    /// <summary>Deals ever created under this delegation as the acting link, and what they settled (all time, for analytics).</summary>
    [Id(9)] public int DealsCreated { get; set; }

    [Id(10)] public decimal TotalSpent { get; set; }

    /// <summary>Rows the next write derives (not serialized; see <see cref="IHoldsDerivedRows"/>).</summary>
    [field: NonSerialized]
    public DerivedRows? DerivedRows { get; set; }
}

/// <summary>
/// An amount held in the day and month it was reserved in; settled, it counts as spent in those windows.
/// <see cref="Direct"/>: reserved on this link as the one the request named (not for a child).
/// </summary>
[GenerateSerializer, Immutable, Alias("delegations.reservation")]
public sealed record DelegationReservation(
    [property: Id(0)] decimal Amount,
    [property: Id(1)] DateOnly Day,
    [property: Id(2)] int Month,
    [property: Id(3)] bool Settled = false,
    [property: Id(4)] bool Direct = false);
