using Grains.Delegations.Ledger;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Projections;

namespace Grains.Platform;

/// <summary>
/// The rows a change derives besides its grain state: its projection row (or the row's removal) and its audit
/// entries, and a deal's delegation ledger rows. A storage that implements <see cref="IStoresDerivedRows"/> (PostgreSQL) commits them in the state write's
/// own transaction, after the same version check; elsewhere (memory) the grain applies them once the write is done.
/// </summary>
public sealed class DerivedRows
{
    /// <summary>The projection row to upsert (newer version wins); null when the change deleted the resource.</summary>
    public ProjectionRow? Upsert { get; init; }

    /// <summary>The projection row to remove (a deletion).</summary>
    public ProjectionKey? Delete { get; init; }

    /// <summary>Audit entries of the change, idempotent by their place in the entity's chain.</summary>
    public IReadOnlyList<AuditEntry> Audit { get; init; } = [];

    /// <summary>Delegation ledger rows of a deal change made under a delegation (one per link of its chain, named link first; stored as one row).</summary>
    public IReadOnlyList<DelegationLedgerRow> Ledger { get; init; } = [];
}

/// <summary>A projection row's identity.</summary>
public sealed record ProjectionKey(string Partition, string ResourceType, string Id);

/// <summary>
/// A grain state carrying the rows its next write derives. Not serialized (no <c>[Id]</c>): it lives only between
/// the grain building the change and the storage writing it.
/// </summary>
public interface IHoldsDerivedRows
{
    DerivedRows? DerivedRows { get; set; }
}

/// <summary>Marks a grain storage that writes <see cref="IHoldsDerivedRows.DerivedRows"/> in the state's own transaction.</summary>
public interface IStoresDerivedRows;
