using Grains.Interfaces.Delegations;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Projections;
using Grains.Projections;
using Orleans.Concurrency;

namespace Grains.Delegations;

/// <summary>
/// Lists one partition's delegations and delegation proposals from the projection (filters: grantor and grantee key),
/// a delegation's counters from its grain (they are not written per reservation). Stateless and keyed by partition.
/// </summary>
[StatelessWorker]
public sealed class DelegationDirectoryGrain(IProjectionStore projections, TimeProvider time) : Grain, IDelegationDirectoryGrain
{
    public async Task<ListPage<DelegationView>> List(ListQuery query, CancellationToken cancellationToken = default)
    {
        var page = await Stored(query, cancellationToken);
        return page with { Items = await WithLiveCounters(page.Items) };
    }

    /// <summary>The projection's rows: the grant, status and approvals, without the counters (not written per reservation).</summary>
    private async Task<ListPage<DelegationView>> Stored(ListQuery query, CancellationToken cancellationToken)
    {
        var page = await projections.QueryAsync(this.GetPrimaryKeyString(), DelegationKeys.ResourceType, query, null, cancellationToken);
        return new ListPage<DelegationView>([.. page.Items.Select(row => DelegationGrain.FromDocument(row.Document))], page.Total,
            page.NextCursor, page.PrevCursor, page.HasMore);
    }

    /// <summary>The counters live in each link (rebuilt from the delegation ledger), so a list that shows them asks each one.</summary>
    private async Task<IReadOnlyList<DelegationView>> WithLiveCounters(IReadOnlyList<DelegationView> listed)
    {
        var partition = this.GetPrimaryKeyString();
        return await Task.WhenAll(listed.Select(async d =>
            d with { Counters = (await GrainFactory.GetGrain<IDelegationGrain>(DelegationKeys.Grain(partition, d.Id)).Get()).Counters }));
    }

    public Task<ListPage<DelegationView>> ListGranted(ListQuery query, string keyId, bool admin, CancellationToken cancellationToken = default) =>
        List(Granted(query, keyId, admin), cancellationToken);

    public async Task<DelegationSummary> Summary(string keyId, bool admin, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var active = (await AllGranted(keyId, admin, DelegationKeys.Active, cancellationToken)).Where(d => d.StatusAt(now) == DelegationKeys.Active).ToList();
        return DelegationSummary.Of(await WithLiveCounters(active), now);
    }

    public async Task<ListPage<DelegationView>> PendingApprovals(string keyId, bool admin, int limit, int offset, CancellationToken cancellationToken = default)
    {
        var waiting = (await AllGranted(keyId, admin, null, cancellationToken)).Where(d => d.PendingApprovalsCount > 0).ToList();
        return new ListPage<DelegationView>([.. waiting.Skip(offset).Take(limit)], waiting.Count, null, null, offset + limit < waiting.Count);
    }

    public async Task<DelegationView> Own(string keyId, string? delegationId)
    {
        var partition = this.GetPrimaryKeyString();
        DelegationView? own = null;
        if (delegationId is not null)
        {
            var named = await GrainFactory.GetGrain<IDelegationGrain>(DelegationKeys.Grain(partition, delegationId)).Get();
            own = named.GranteeKeyId == keyId ? named : null;
        }
        else
        {
            var query = new ListQuery(Limit: 1, Status: DelegationKeys.Active,
                Filters: new Dictionary<string, string> { ["grantee_key_id"] = keyId });
            if ((await Stored(query, default)).Items is [var newest, ..])
            {
                own = await GrainFactory.GetGrain<IDelegationGrain>(DelegationKeys.Grain(partition, newest.Id)).Get();
            }
        }
        return own ?? throw new DomainException(DomainErrorCodes.NotFound, "No delegation is granted to this API key");
    }

    /// <summary>Page size when reading every granted delegation (summary, pending) from the projection.</summary>
    private const int ReadAllPage = 500;

    /// <summary>A non-admin key sees only what it granted, whatever grantor the query names.</summary>
    private static ListQuery Granted(ListQuery query, string keyId, bool admin) => admin
        ? query
        : query with { Filters = new Dictionary<string, string>(query.Filters ?? new Dictionary<string, string>()) { ["grantor_key_id"] = keyId } };

    private async Task<List<DelegationView>> AllGranted(string keyId, bool admin, string? status, CancellationToken cancellationToken)
    {
        List<DelegationView> all = [];
        for (var offset = 0; ; offset += ReadAllPage)
        {
            var page = await Stored(Granted(new ListQuery(Limit: ReadAllPage, Offset: offset, Status: status), keyId, admin), cancellationToken);
            all.AddRange(page.Items);
            if (!page.HasMore)
            {
                return all;
            }
        }
    }

    public async Task<ListPage<DelegationProposalView>> ListProposals(ListQuery query, CancellationToken cancellationToken = default)
    {
        var page = await projections.QueryAsync(this.GetPrimaryKeyString(), DelegationProposals.ResourceType, query, null, cancellationToken);
        var rounds = page.Items.Select(row => DelegationProposalGrain.FromDocument(row.Document)).ToList();
        if (query.Status == DelegationProposals.Pending)
        {
            // A round past its expires_at whose reminder has not run yet is no longer pending.
            var now = time.GetUtcNow();
            var pending = rounds.Where(p => p.StatusAt(now) == DelegationProposals.Pending).ToList();
            return new ListPage<DelegationProposalView>(pending, page.Total - (rounds.Count - pending.Count), page.NextCursor, page.PrevCursor,
                page.HasMore);
        }
        return new ListPage<DelegationProposalView>(rounds, page.Total, page.NextCursor, page.PrevCursor, page.HasMore);
    }
}
