using Grains.Interfaces.Projections;

namespace Grains.Projections;

/// <summary>
/// The read model behind lists, search and export: PostgreSQL tables with indexes in cluster mode,
/// an in-memory store in embedded mode. Grains write; directory grains query.
/// </summary>
public interface IProjectionStore
{
    /// <summary>Inserts or replaces the row unless the stored one has a higher version (late writes lose).</summary>
    Task UpsertAsync(ProjectionRow row, CancellationToken cancellationToken = default);

    Task DeleteAsync(string partition, string resourceType, string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page in the query's sort order (newest first), filtered by status, exact filters, amount and
    /// creation range; <paramref name="searchTokens"/> must all be present on a row for it to match.
    /// </summary>
    Task<ListPage<ProjectionRow>> QueryAsync(string partition, string resourceType, ListQuery query,
        IReadOnlyList<string>? searchTokens, CancellationToken cancellationToken = default);
}
