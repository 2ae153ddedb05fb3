using Grains.Interfaces.Projections;
using Grains.Platform;

namespace Grains.Projections;

/// <summary>
/// One page of a partition's resources from the projection, for every directory grain: the search turned into tokens
/// (plain words, or blind-index tokens for PII), each row turned back into the resource's view.
/// </summary>
public static class ProjectionLists
{
    /// <summary>A list searched by plain words (<see cref="SearchWords"/>), each row's document read by <paramref name="fromDocument"/>.</summary>
    public static Task<ListPage<TView>> PageAsync<TView>(IProjectionStore projections, string partition, string resourceType, ListQuery query,
        Func<string, TView> fromDocument, CancellationToken cancellationToken) =>
        PageAsync(projections, partition, resourceType, query, search => [.. SearchWords.Of(search).Distinct(StringComparer.Ordinal)],
            row => fromDocument(row.Document), cancellationToken);

    public static async Task<ListPage<TView>> PageAsync<TView>(IProjectionStore projections, string partition, string resourceType, ListQuery query,
        Func<string, IReadOnlyList<string>> tokensOf, Func<ProjectionRow, TView> open, CancellationToken cancellationToken)
    {
        IReadOnlyList<string>? tokens = null;
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            tokens = tokensOf(query.Search);
            if (tokens.Count == 0)
            {
                // Only punctuation: nothing can match a token-exact search.
                return new ListPage<TView>([], 0, null, null, false);
            }
        }
        var page = await projections.QueryAsync(partition, resourceType, query, tokens, cancellationToken);
        return new ListPage<TView>([.. page.Items.Select(open)], page.Total, page.NextCursor, page.PrevCursor, page.HasMore);
    }
}
