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

    // Ids 7, 9 and 10 (reservations, deals created, total spent) were written per reservation before the delegation
    // ledger; they live in memory now, rebuilt from the ledger (DelegationGrain.Ledger.cs). Not reused.

    /// <summary>Approval decisions and requests as activity, newest last (the spending activity is read from the ledger).</summary>
    [Id(8)] public List<DelegationActivity> Activity { get; set; } = [];

    /// <summary>Rows the next write derives (not serialized; see <see cref="IHoldsDerivedRows"/>).</summary>
    [field: NonSerialized]
    public DerivedRows? DerivedRows { get; set; }
}

/// <summary>
/// An amount held in the day and month it was reserved in; settled, it counts as spent in those windows.
/// <see cref="Direct"/>: reserved on this link as the one the request named (not for a child). In memory only.
/// </summary>
[GenerateSerializer, Immutable, Alias("delegations.reservation")]
public sealed record DelegationReservation(
    [property: Id(0)] decimal Amount,
    [property: Id(1)] DateOnly Day,
    [property: Id(2)] int Month,
    [property: Id(3)] bool Settled = false,
    [property: Id(4)] bool Direct = false);
