using System.Collections.Concurrent;
using Grains.Interfaces.Projections;

namespace Grains.Projections;

/// <summary>
/// The projection store of the embedded topology and of grain tests: rows in memory, queried by scanning
/// one partition and resource type. Behaves like <see cref="PostgresProjectionStore"/> (same ordering,
/// filters, cursors and version rule; the shared tests hold both to it), not built for very large tenants.
/// </summary>
public sealed class InMemoryProjectionStore : IProjectionStore
{
    private readonly ConcurrentDictionary<(string Partition, string ResourceType), Bucket> buckets = new();

    public Task UpsertAsync(ProjectionRow row, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(row);
        var stored = Normalize(row);
        var bucket = buckets.GetOrAdd((row.Partition, row.ResourceType), _ => new Bucket());
        lock (bucket.Gate)
        {
            // Late writes lose: an equal or older version than the stored one changes nothing.
            if (!bucket.Rows.TryGetValue(row.Id, out var current) || current.Version < stored.Version)
            {
                bucket.Rows[row.Id] = stored;
            }
        }

        return Task.CompletedTask;
    }

    public Task DeleteAsync(string partition, string resourceType, string id, CancellationToken cancellationToken = default)
    {
        if (buckets.TryGetValue((partition, resourceType), out var bucket))
        {
            lock (bucket.Gate)
            {
                bucket.Rows.Remove(id);
            }
        }

        return Task.CompletedTask;
    }

    public Task<ListPage<ProjectionRow>> QueryAsync(string partition, string resourceType, ListQuery query,
        IReadOnlyList<string>? searchTokens, CancellationToken cancellationToken = default)
    {
        var window = ListWindow.From(query);
        if (!buckets.TryGetValue((partition, resourceType), out var bucket))
        {
            return Task.FromResult(window.ToPage([], 0));
        }

        List<ProjectionRow> matching;
        lock (bucket.Gate)
        {
            matching = bucket.Rows.Values.Where(row => Matches(row, query, searchTokens)).ToList();
        }

        var order = new ListOrder(window);
        matching.Sort(order);
        var total = matching.Count;
        IEnumerable<ProjectionRow> fetched = window.Direction switch
        {
            ListDirection.After => matching.Where(row => order.Compare(row, window.Cursor!) > 0),
            // Before: the rows preceding the cursor, nearest first.
            ListDirection.Before => matching.Where(row => order.Compare(row, window.Cursor!) < 0).Reverse(),
            _ => matching.Skip(window.Offset),
        };
        return Task.FromResult(window.ToPage([.. fetched.Take(window.Fetch)], total));
    }

    private static bool Matches(ProjectionRow row, ListQuery query, IReadOnlyList<string>? searchTokens)
    {
        if (query.Status is not null && row.Status != query.Status)
        {
            return false;
        }

        if (query.Filters is not null && query.Filters.Any(f => !row.Filters.TryGetValue(f.Key, out var value) || value != f.Value))
        {
            return false;
        }

        // Half-open creation range [CreatedAfter, CreatedBefore): adjacent ranges neither overlap nor leave gaps.
        if ((query.CreatedAfter is { } after && row.CreatedAt < after) || (query.CreatedBefore is { } before && row.CreatedAt >= before))
        {
            return false;
        }

        if ((query.MinAmount is { } min && !(row.Amount >= min)) || (query.MaxAmount is { } max && !(row.Amount <= max)))
        {
            return false;
        }

        return searchTokens is null || searchTokens.All(token => row.SearchTokens.Contains(token, StringComparer.Ordinal));
    }

    /// <summary>
    /// Stores what PostgreSQL would give back: UTC timestamps at microsecond precision (timestamptz), so a
    /// cursor and a row read later compare the same in both stores.
    /// </summary>
    private static ProjectionRow Normalize(ProjectionRow row) => row with
    {
        CreatedAt = ToMicroseconds(row.CreatedAt),
        UpdatedAt = ToMicroseconds(row.UpdatedAt),
    };

    private static DateTimeOffset ToMicroseconds(DateTimeOffset at)
    {
        var ticks = at.UtcTicks;
        return new DateTimeOffset(ticks - (ticks % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);
    }

    private sealed class Bucket
    {
        public Lock Gate { get; } = new();

        public Dictionary<string, ProjectionRow> Rows { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>List order: sort value descending, then id descending (ordinal, as COLLATE "C" in PostgreSQL).</summary>
    private sealed class ListOrder(ListWindow window) : IComparer<ProjectionRow>
    {
        public int Compare(ProjectionRow? x, ProjectionRow? y) =>
            Compare(window.SortValue(x!), x!.Id, window.SortValue(y!), y!.Id);

        /// <summary>Negative when the row comes before the cursor in list order, positive when after.</summary>
        public int Compare(ProjectionRow row, ListCursor cursor) => Compare(window.SortValue(row), row.Id, cursor.At, cursor.Id);

        private static int Compare(DateTimeOffset xAt, string xId, DateTimeOffset yAt, string yId)
        {
            var byTime = yAt.CompareTo(xAt);
            return byTime != 0 ? byTime : string.CompareOrdinal(yId, xId);
        }
    }
}
