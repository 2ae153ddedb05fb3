using Grains.Interfaces.Deals;

namespace Grains.Deals.Audit;

/// <summary>Audit chains of the embedded topology and grain tests, under one lock (audit writes are rare and small).</summary>
public sealed class InMemoryAuditStore : IAuditStore
{
    private readonly Lock gate = new();
    private readonly Dictionary<(string Partition, string Type, string Id), SortedList<long, AuditEntry>> chains = [];
    private readonly HashSet<string> ids = new(StringComparer.Ordinal);

    public Task AppendAsync(IReadOnlyList<AuditEntry> entries, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        lock (gate)
        {
            foreach (var entry in entries)
            {
                var key = (entry.Partition, entry.EntityType, entry.EntityId);
                if (!chains.TryGetValue(key, out var chain))
                {
                    chain = [];
                    chains[key] = chain;
                }
                // Same rule as PostgreSQL's ON CONFLICT DO NOTHING over the primary key and the unique id.
                if (!chain.ContainsKey(entry.Sequence) && ids.Add(entry.Id))
                {
                    chain.Add(entry.Sequence, entry with { CreatedAt = AuditChain.ToMicroseconds(entry.CreatedAt) });
                }
            }
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AuditEntry>> ReadAsync(string partition, string entityType, string entityId, int offset, int limit,
        CancellationToken ct = default)
    {
        AuditStoreRules.ValidatePage(offset, limit);
        lock (gate)
        {
            return Task.FromResult<IReadOnlyList<AuditEntry>>(chains.TryGetValue((partition, entityType, entityId), out var chain)
                ? [.. chain.Values.Skip(offset).Take(limit)]
                : []);
        }
    }

    public Task<IReadOnlyList<AuditEntry>> ReadAllAsync(string partition, string entityType, string entityId, CancellationToken ct = default)
    {
        lock (gate)
        {
            return Task.FromResult<IReadOnlyList<AuditEntry>>(chains.TryGetValue((partition, entityType, entityId), out var chain)
                ? [.. chain.Values]
                : []);
        }
    }

    public Task<int> CountAsync(string partition, string entityType, string entityId, CancellationToken ct = default)
    {
        lock (gate)
        {
            return Task.FromResult(chains.TryGetValue((partition, entityType, entityId), out var chain) ? chain.Count : 0);
        }
    }

    public Task DeleteEntityAsync(string partition, string entityType, string entityId, CancellationToken ct = default)
    {
        lock (gate)
        {
            if (chains.Remove((partition, entityType, entityId), out var chain))
            {
                // As in PostgreSQL, the unique id goes with the row: a deleted entry's id is free again.
                foreach (var entry in chain.Values)
                {
                    ids.Remove(entry.Id);
                }
            }
        }
        return Task.CompletedTask;
    }
}
