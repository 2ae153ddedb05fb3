using System.Text.Json.Nodes;
using Grains.Interfaces.Projections;

namespace ApiHost.Api.Lists;

/// <summary>
/// The <c>data</c> of a list response, as the document shows it for deals, webhooks and discovery:
/// <c>{"&lt;resources&gt;": [...], "pagination": {"total","limit","offset","count","has_more","next_cursor","prev_cursor"}}</c>.
/// Every pagination key is always present (cursors are null when there is no page that way), so clients
/// can rely on one schema whether they page by offset or by cursor.
/// </summary>
public static class ListResponse
{
    /// <param name="resourceName">The collection's key, the resource's plural (<c>customers</c>, <c>products</c>).</param>
    /// <param name="query">The parsed request; <c>offset</c> is reported as 0 when a cursor was used (the document ignores it then).</param>
    public static JsonObject Build<T>(string resourceName, ListPage<T> page, ListQuery query, ListShape shape)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(resourceName);
        var items = new JsonArray();
        foreach (var item in page.Items)
        {
            items.Add(shape.Apply(item));
        }

        var cursorPaged = query.After is not null || query.Before is not null;
        return new JsonObject
        {
            [resourceName] = items,
            ["pagination"] = Pagination(page.Total, query.Limit, cursorPaged ? 0 : query.Offset, page.Items.Count, page.HasMore,
                page.NextCursor, page.PrevCursor),
        };
    }

    /// <summary>
    /// A list paged by offset only (deliveries, dead letters, audit entries): the same <c>pagination</c> block, with
    /// <c>has_more</c> from the total and no cursors.
    /// </summary>
    public static JsonObject Build(string resourceName, JsonArray items, long total, ListPaging paging) => new()
    {
        [resourceName] = items,
        ["pagination"] = Wire.ToObject(Page(total, paging, items.Count)),
    };

    /// <summary>The <c>pagination</c> block of a list paged by offset only, for typed list records.</summary>
    public static Pagination Page(long total, ListPaging paging, int count) =>
        new(total, paging.Limit, paging.Offset, count, paging.Offset + count < total, null, null);

    /// <summary>The one <c>pagination</c> block: every key always present.</summary>
    public static JsonObject Pagination(long total, int limit, int offset, int count, bool hasMore, string? nextCursor, string? prevCursor) =>
        Wire.ToObject(new Pagination(total, limit, offset, count, hasMore, nextCursor, prevCursor));
}
