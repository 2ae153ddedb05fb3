using Grains.Interfaces.Products;
using Grains.Interfaces.Projections;
using Grains.Platform;
using Grains.Projections;
using Orleans.Concurrency;

namespace Grains.Products;

/// <summary>Lists one partition's products from the projection. Stateless and keyed by partition.</summary>
[StatelessWorker]
public sealed class ProductDirectoryGrain(IProjectionStore projections) : Grain, IProductDirectoryGrain
{
    public Task<ListPage<ProductView>> List(ListQuery query, CancellationToken cancellationToken = default)
    {
        // Categories are matched case-insensitively: rows carry them lower-cased.
        if (query.Filters is { } filters && filters.TryGetValue("category", out var category))
        {
            query = query with { Filters = new Dictionary<string, string>(filters) { ["category"] = category.ToLowerInvariant() } };
        }
        return ProjectionLists.PageAsync(projections, this.GetPrimaryKeyString(), ProductKeys.ResourceType, query, ProductRecords.FromDocument,
            cancellationToken);
    }
}
