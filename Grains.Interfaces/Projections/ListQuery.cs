namespace Grains.Interfaces.Projections;

/// <summary>
/// A page request against a resource's read model (the projection), as parsed from the document's
/// list parameters. Offset paging unless a cursor (<see cref="After"/> / <see cref="Before"/>) is given.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ListQuery(
    [property: Id(0)] int Limit = 50,
    [property: Id(1)] int Offset = 0,
    [property: Id(2)] ListSort Sort = ListSort.CreatedAt,
    [property: Id(3)] string? After = null,
    [property: Id(4)] string? Before = null,
    [property: Id(5)] string? Status = null,
    [property: Id(6)] IReadOnlyDictionary<string, string>? Filters = null,
    [property: Id(7)] string? Search = null,
    [property: Id(8)] DateTimeOffset? CreatedAfter = null,
    [property: Id(9)] DateTimeOffset? CreatedBefore = null,
    [property: Id(10)] decimal? MinAmount = null,
    [property: Id(11)] decimal? MaxAmount = null);

public enum ListSort
{
    CreatedAt,
    UpdatedAt,
}

/// <summary>One page: items, the total matching the filters, and cursors to move on.</summary>
[GenerateSerializer, Immutable]
public sealed record ListPage<T>(
    [property: Id(0)] IReadOnlyList<T> Items,
    [property: Id(1)] long Total,
    [property: Id(2)] string? NextCursor,
    [property: Id(3)] string? PrevCursor,
    [property: Id(4)] bool HasMore);
