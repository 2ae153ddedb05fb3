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
    public async Task<ListPage<ProductView>> List(ListQuery query, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<string>? tokens = null;
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            tokens = SearchWords.Of(query.Search).Distinct(StringComparer.Ordinal).ToList();
            if (tokens.Count == 0)
            {
                return new ListPage<ProductView>([], 0, null, null, false);
            }
        }
        // Categories are matched case-insensitively: rows carry them lower-cased.
        if (query.Filters is { } filters && filters.TryGetValue("category", out var category))
        {
            query = query with { Filters = new Dictionary<string, string>(filters) { ["category"] = category.ToLowerInvariant() } };
        }
        var page = await projections.QueryAsync(this.GetPrimaryKeyString(), ProductKeys.ResourceType, query, tokens, cancellationToken);
        return new ListPage<ProductView>(page.Items.Select(row => ProductRecords.FromDocument(row.Document)).ToList(),
            page.Total, page.NextCursor, page.PrevCursor, page.HasMore);
    }
}
