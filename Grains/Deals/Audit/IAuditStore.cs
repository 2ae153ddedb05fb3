using Grains.Interfaces.Deals;

namespace Grains.Deals.Audit;

/// <summary>
/// Where audit chains live: PostgreSQL (<c>audit_log</c>) in cluster mode, memory in embedded mode and grain tests (a
/// shared test contract holds both to the same behaviour). An entity's chain is keyed by partition, type and id.
/// </summary>
public interface IAuditStore
{
    /// <summary>
    /// Stores <paramref name="entries"/>. Idempotent by (partition, entity type, entity id, sequence): an entry whose place
    /// is taken (a repeat after a crash) adds nothing and changes nothing; so does an entry whose id is already stored.
    /// </summary>
    Task AppendAsync(IReadOnlyList<AuditEntry> entries, CancellationToken ct = default);

    /// <summary>One page of an entity's chain in sequence order; <paramref name="limit"/> 1–<see cref="AuditStoreRules.MaxLimit"/>.</summary>
    Task<IReadOnlyList<AuditEntry>> ReadAsync(string partition, string entityType, string entityId, int offset, int limit, CancellationToken ct = default);

    /// <summary>The whole chain in sequence order (for verification).</summary>
    Task<IReadOnlyList<AuditEntry>> ReadAllAsync(string partition, string entityType, string entityId, CancellationToken ct = default);

    Task<int> CountAsync(string partition, string entityType, string entityId, CancellationToken ct = default);

    /// <summary>Removes an entity's whole chain (erasure); a chain is never edited in part.</summary>
    Task DeleteEntityAsync(string partition, string entityType, string entityId, CancellationToken ct = default);
}

/// <summary>Rules both stores share, so they cannot drift apart.</summary>
public static class AuditStoreRules
{
    /// <summary>The export's largest page (the document's <c>limit</c> 1–10000).</summary>
    public const int MaxLimit = 10_000;

    public static void ValidatePage(int offset, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxLimit);
    }
}
