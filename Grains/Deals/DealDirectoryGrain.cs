using Grains.Interfaces.Deals;
using Grains.Interfaces.Projections;
using Grains.Platform;
using Grains.Products;
using Grains.Projections;
using Orleans.Concurrency;

namespace Grains.Deals;

/// <summary>Lists one partition's deals from the projection (search: title words and the id). Stateless, local workers.</summary>
[StatelessWorker]
public sealed class DealDirectoryGrain(IProjectionStore projections) : Grain, IDealDirectoryGrain
{
    public Task<ListPage<DealView>> List(ListQuery query, CancellationToken cancellationToken = default) =>
        ProjectionLists.PageAsync(projections, this.GetPrimaryKeyString(), DealKeys.ResourceType, query, DealRecords.FromDocument, cancellationToken);
}

/// <summary>
/// "Products referenced by existing deal line items cannot be deleted while those deals are active": a projection
/// query for deals whose items name the product (a dedicated search token) and that are not closed, cancelled or expired.
/// </summary>
public sealed class DealProductReferences(IProjectionStore projections) : IProductReferences
{
    public async Task<bool> HasActiveDealReferences(string partition, string productId, CancellationToken cancellationToken = default)
    {
        var query = new ListQuery(Limit: 100);
        var tokens = new[] { DealRecords.ProductToken(productId) };
        while (true)
        {
            var page = await projections.QueryAsync(partition, DealKeys.ResourceType, query, tokens, cancellationToken);
            if (page.Items.Any(row => !DealStatuses.IsFinal(row.Status)))
            {
                return true;
            }
            if (!page.HasMore || page.NextCursor is null)
            {
                return false;
            }
            query = query with { After = page.NextCursor };
        }
    }
}
