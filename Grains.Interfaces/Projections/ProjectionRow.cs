namespace Grains.Interfaces.Projections;

/// <summary>
/// One resource in the read model that lists, search and export use. Written by the resource's
/// grain after each persisted change (newer <see cref="Version"/> wins), never scanned from grains.
/// </summary>
/// <param name="Partition">Tenant and environment: <c>ten_x:live</c>. Every query is inside one partition.</param>
/// <param name="ResourceType"><c>customer</c>, <c>product</c>, <c>deal</c>, ...</param>
/// <param name="Filters">Exact-match filter values (e.g. <c>type</c>, <c>category</c>, <c>customer_id</c>).</param>
/// <param name="SearchTokens">Opaque tokens matched exactly by search (blind-index hashes for encrypted fields).</param>
/// <param name="Document">The resource's stored JSON; encrypted fields stay encrypted here.</param>
/// <param name="Amount">Optional money value for range filters (deal value).</param>
[GenerateSerializer, Immutable]
public sealed record ProjectionRow(
    [property: Id(0)] string Partition,
    [property: Id(1)] string ResourceType,
    [property: Id(2)] string Id,
    [property: Id(3)] long Version,
    [property: Id(4)] string Status,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] DateTimeOffset UpdatedAt,
    [property: Id(7)] IReadOnlyDictionary<string, string> Filters,
    [property: Id(8)] IReadOnlyList<string> SearchTokens,
    [property: Id(9)] string Document,
    [property: Id(10)] decimal? Amount = null);
