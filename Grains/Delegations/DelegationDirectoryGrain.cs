using Grains.Interfaces.Delegations;
using Grains.Interfaces.Projections;
using Grains.Projections;
using Orleans.Concurrency;

namespace Grains.Delegations;

/// <summary>Lists one partition's delegations and delegation proposals from the projection (filters: grantor and grantee key). Stateless and keyed by partition.</summary>
[StatelessWorker]
public sealed class DelegationDirectoryGrain(IProjectionStore projections, TimeProvider time) : Grain, IDelegationDirectoryGrain
{
    public async Task<ListPage<DelegationView>> List(ListQuery query, CancellationToken cancellationToken = default)
    {
        var page = await projections.QueryAsync(this.GetPrimaryKeyString(), DelegationKeys.ResourceType, query, null, cancellationToken);
        return new ListPage<DelegationView>([.. page.Items.Select(row => DelegationGrain.FromDocument(row.Document))],
            page.Total, page.NextCursor, page.PrevCursor, page.HasMore);
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
