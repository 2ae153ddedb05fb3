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
            ["pagination"] = new JsonObject
            {
                ["total"] = page.Total,
                ["limit"] = query.Limit,
                ["offset"] = cursorPaged ? 0 : query.Offset,
                ["count"] = page.Items.Count,
                ["has_more"] = page.HasMore,
                ["next_cursor"] = page.NextCursor,
                ["prev_cursor"] = page.PrevCursor,
            },
        };
    }
}
