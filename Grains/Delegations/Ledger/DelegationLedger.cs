namespace Grains.Delegations.Ledger;

/// <summary>
/// One row of the reservation ledger: what a deal change did to one link of its delegation chain. Written in the deal
/// change's own transaction (<see cref="Platform.DerivedRows.Ledger"/>); the links count from these rows, so their
/// counters survive a crash without a write of their own per reservation.
/// </summary>
/// <param name="Kind"><see cref="LedgerKinds.Reserve"/> (the deal's whole held amount, as of <paramref name="OccurredAt"/>),
/// <see cref="LedgerKinds.Release"/> or <see cref="LedgerKinds.Settle"/>.</param>
/// <param name="Direct">The row of the link the request named (its activity and analytics count it); false for an ancestor.</param>
/// <param name="Activity">The activity entry it reads as (<c>deal_created</c>, <c>deal_updated</c>, <c>deal_signed</c>,
/// <c>deal_negotiated</c>, <c>deal_cancelled</c>, <c>deal_closed</c>).</param>
public sealed record DelegationLedgerRow(
    string Id,
    string Partition,
    string DelegationId,
    string DealId,
    long DealVersion,
    string Kind,
    decimal Amount,
    string Currency,
    bool Direct,
    string Activity,
    DateTimeOffset OccurredAt);

public static class LedgerKinds
{
    public const string Reserve = "reserve";
    public const string Release = "release";
    public const string Settle = "settle";
}

/// <summary>
/// What a link reads when it activates: its rows since the start of the current month (every deal's rows in version
/// order), its newest direct rows (activity), and its all-time direct totals (analytics).
/// </summary>
public sealed record DelegationLedgerRead(
    IReadOnlyList<DelegationLedgerRow> Window,
    IReadOnlyList<DelegationLedgerRow> RecentDirect,
    int DealsCreated,
    decimal TotalSpent);

/// <summary>
/// The reservation ledger: PostgreSQL (<c>delegation_changes</c>, written by the deal's own statement) in cluster mode,
/// memory in embedded mode and grain tests (where the deal appends its rows once its state is written).
/// </summary>
public interface IDelegationLedger
{
    /// <summary>Stores a change's rows (one per link, named link first); a change whose (partition, deal, deal version) is stored adds nothing.</summary>
    Task AppendAsync(IReadOnlyList<DelegationLedgerRow> rows, CancellationToken ct = default);

    /// <summary>What a link reads when it activates; <paramref name="rootId"/> is its chain's root (itself for a root).</summary>
    Task<DelegationLedgerRead> ReadAsync(string partition, string delegationId, string rootId, DateTimeOffset since, int recentDirect,
        CancellationToken ct = default);

    /// <summary>A deal's rows on one link, in version order.</summary>
    Task<IReadOnlyList<DelegationLedgerRow>> ReadDealAsync(string partition, string delegationId, string dealId, CancellationToken ct = default);
}

/// <summary>The ledger of the embedded topology and grain tests, under one lock.</summary>
public sealed class InMemoryDelegationLedger : IDelegationLedger
{
    private readonly Lock gate = new();
    private readonly Dictionary<(string Partition, string DelegationId), SortedDictionary<(string DealId, long Version), DelegationLedgerRow>> links = [];

    public Task AppendAsync(IReadOnlyList<DelegationLedgerRow> rows, CancellationToken ct = default)
    {
        lock (gate)
        {
            foreach (var row in rows)
            {
                if (!links.TryGetValue((row.Partition, row.DelegationId), out var link))
                {
                    link = new(Comparer<(string, long)>.Create((a, b) =>
                        string.CompareOrdinal(a.Item1, b.Item1) is var c && c != 0 ? c : a.Item2.CompareTo(b.Item2)));
                    links[(row.Partition, row.DelegationId)] = link;
                }
                link.TryAdd((row.DealId, row.DealVersion), row);
            }
        }
        return Task.CompletedTask;
    }

    public Task<DelegationLedgerRead> ReadAsync(string partition, string delegationId, string rootId, DateTimeOffset since, int recentDirect,
        CancellationToken ct = default)
    {
        lock (gate)
        {
            var rows = links.TryGetValue((partition, delegationId), out var link) ? [.. link.Values] : new List<DelegationLedgerRow>();
            var direct = rows.Where(r => r.Direct).ToList();
            return Task.FromResult(new DelegationLedgerRead(
                [.. rows.Where(r => r.OccurredAt >= since)],
                [.. direct.OrderByDescending(r => r.OccurredAt).Take(recentDirect).Reverse()],
                direct.Where(r => r.Kind == LedgerKinds.Reserve).Select(r => r.DealId).Distinct().Count(),
                direct.Where(r => r.Kind == LedgerKinds.Settle).Sum(r => r.Amount)));
        }
    }

    public Task<IReadOnlyList<DelegationLedgerRow>> ReadDealAsync(string partition, string delegationId, string dealId, CancellationToken ct = default)
    {
        lock (gate)
        {
            IReadOnlyList<DelegationLedgerRow> rows = links.TryGetValue((partition, delegationId), out var link)
                ? [.. link.Values.Where(r => r.DealId == dealId)]
                : [];
            return Task.FromResult(rows);
        }
    }
}
