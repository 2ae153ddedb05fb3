using Grains.Interfaces.Projections;

namespace Grains.Projections;

/// <summary>How a store reads one page: by offset, after a cursor, or before a cursor.</summary>
public enum ListDirection
{
    Offset,
    After,
    Before,
}

/// <summary>
/// The paging rules both stores share, so they cannot drift apart: which rows to fetch for a
/// <see cref="ListQuery"/> and how the fetched rows become a <see cref="ListPage{T}"/> with cursors.
/// </summary>
/// <remarks>
/// A store fetches <see cref="Fetch"/> rows (one more than the page, to learn whether there is more):
/// newest first for <see cref="ListDirection.Offset"/> and <see cref="ListDirection.After"/> (rows strictly
/// after the cursor), oldest first for <see cref="ListDirection.Before"/> (rows strictly before the cursor,
/// nearest first); <see cref="ToPage"/> puts them back in list order.
/// </remarks>
public sealed record ListWindow(ListDirection Direction, ListSort Sort, int Limit, int Offset, ListCursor? Cursor)
{
    /// <summary>Largest page a store serves (the API allows 100; exports may page in bigger steps).</summary>
    public const int MaxLimit = 1000;

    public int Fetch => Limit + 1;

    /// <summary>Validates the paging part of <paramref name="query"/>; bad input is an <see cref="ArgumentException"/>.</summary>
    public static ListWindow From(ListQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1, nameof(query.Limit));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Limit, MaxLimit, nameof(query.Limit));
        ArgumentOutOfRangeException.ThrowIfNegative(query.Offset, nameof(query.Offset));
        if (query.After is not null && query.Before is not null)
        {
            throw new ArgumentException("Give either After or Before, not both.", nameof(query));
        }

        var (direction, text) = query.After is not null ? (ListDirection.After, query.After)
            : query.Before is not null ? (ListDirection.Before, query.Before)
            : (ListDirection.Offset, null);
        if (text is null)
        {
            return new ListWindow(direction, query.Sort, query.Limit, query.Offset, null);
        }

        var cursor = ListCursor.Decode(text, direction == ListDirection.After ? nameof(query.After) : nameof(query.Before));
        if (cursor.Sort != query.Sort)
        {
            throw new ArgumentException($"The cursor belongs to a list sorted by {cursor.Sort}, not {query.Sort}.", nameof(query));
        }

        // The document: offset is ignored when a cursor is given.
        return new ListWindow(direction, query.Sort, query.Limit, 0, cursor);
    }

    /// <summary>The row's sort value in this window's sort.</summary>
    public DateTimeOffset SortValue(ProjectionRow row) => Sort == ListSort.UpdatedAt ? row.UpdatedAt : row.CreatedAt;

    /// <summary>
    /// Builds the page from up to <see cref="Fetch"/> rows in fetch order. <c>next_cursor</c> is set when
    /// rows follow the page, <c>prev_cursor</c> when rows precede it; <c>HasMore</c> means rows follow.
    /// </summary>
    public ListPage<ProjectionRow> ToPage(IReadOnlyList<ProjectionRow> fetched, long total)
    {
        var overflow = fetched.Count > Limit;
        var items = fetched.Count > Limit ? fetched.Take(Limit).ToList() : [.. fetched];
        bool rowsFollow, rowsPrecede;
        switch (Direction)
        {
            case ListDirection.Before:
                items.Reverse();
                // The cursor's own row (and whatever came after it) follows this page.
                rowsFollow = items.Count > 0;
                rowsPrecede = overflow;
                break;
            case ListDirection.After:
                rowsFollow = overflow;
                rowsPrecede = items.Count > 0;
                break;
            default:
                rowsFollow = overflow;
                rowsPrecede = Offset > 0 && items.Count > 0;
                break;
        }

        var next = rowsFollow ? ListCursor.For(items[^1], Sort).Encode() : null;
        var prev = rowsPrecede ? ListCursor.For(items[0], Sort).Encode() : null;
        return new ListPage<ProjectionRow>(items, total, next, prev, rowsFollow);
    }
}
