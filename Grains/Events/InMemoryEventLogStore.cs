using System.Collections.Concurrent;
using Grains.Interfaces.Events;

namespace Grains.Events;

/// <summary>The event log of the embedded topology and grain tests: one locked list per partition.</summary>
public sealed class InMemoryEventLogStore : IEventLogStore
{
    private readonly ConcurrentDictionary<string, Log> logs = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<long>> AppendAsync(string partition, IReadOnlyList<OutboxEvent> events, IReadOnlyList<string>? initialStatuses = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var log = logs.GetOrAdd(partition, _ => new Log());
        var sequences = new long[events.Count];
        lock (log.Gate)
        {
            for (var i = 0; i < events.Count; i++)
            {
                var evt = events[i];
                if (!log.ById.TryGetValue(evt.Id, out var sequence))
                {
                    sequence = log.Entries.Count + 1;
                    log.Entries.Add(new EventLogEntry(evt.Id, sequence, evt.Type, initialStatuses?[i] ?? EventStatuses.Pending,
                        EventLogRules.ToMicroseconds(evt.CreatedAt), evt.DataJson));
                    log.ById[evt.Id] = sequence;
                }
                sequences[i] = sequence;
            }
        }
        return Task.FromResult<IReadOnlyList<long>>(sequences);
    }

    public Task<EventLogPage> QueryAsync(string partition, EventLogQuery query, CancellationToken cancellationToken = default)
    {
        EventLogRules.Validate(query);
        if (!logs.TryGetValue(partition, out var log))
        {
            return Task.FromResult(EventLogRules.ToPage([], query));
        }
        List<EventLogEntry> fetched;
        lock (log.Gate)
        {
            // Sequence n sits at index n - 1, so since_sequence skips straight to its position.
            var start = (int)Math.Clamp(query.SinceSequence ?? 0, 0, log.Entries.Count);
            fetched = [.. log.Entries.Skip(start).OfType<EventLogEntry>().Where(e => Matches(e, query)).Take(query.Limit + 1)];
        }
        return Task.FromResult(EventLogRules.ToPage(fetched, query));
    }

    public Task SetStatusesAsync(IReadOnlyList<EventStatusChange> changes, CancellationToken cancellationToken = default)
    {
        foreach (var change in changes)
        {
            if (!logs.TryGetValue(change.Partition, out var log))
            {
                continue;
            }
            lock (log.Gate)
            {
                if (log.ById.TryGetValue(change.EventId, out var sequence) && log.Entries[(int)sequence - 1] is { } entry)
                {
                    log.Entries[(int)sequence - 1] = entry with { Status = change.Status };
                }
            }
        }
        return Task.CompletedTask;
    }

    public Task<int> DeleteDeliveredBeforeAsync(string partition, DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default)
    {
        if (!logs.TryGetValue(partition, out var log))
        {
            return Task.FromResult(0);
        }
        var deleted = 0;
        lock (log.Gate)
        {
            for (var i = 0; i < log.Entries.Count && deleted < batchSize; i++)
            {
                if (log.Entries[i] is { Status: EventStatuses.Delivered } entry && entry.CreatedAt < cutoff)
                {
                    // The slot stays (sequence n is index n - 1); ById keeps the id so it is never logged again.
                    log.Entries[i] = null;
                    deleted++;
                }
            }
        }
        return Task.FromResult(deleted);
    }

    public Task<DispatchPosition> DispatchPositionAsync(string partition, CancellationToken cancellationToken = default)
    {
        if (!logs.TryGetValue(partition, out var log))
        {
            return Task.FromResult(new DispatchPosition(0, 0));
        }
        lock (log.Gate)
        {
            return Task.FromResult(new DispatchPosition(log.DispatchedThrough, log.Entries.Count));
        }
    }

    public Task SetDispatchedThroughAsync(string partition, long sequence, CancellationToken cancellationToken = default)
    {
        var log = logs.GetOrAdd(partition, _ => new Log());
        lock (log.Gate)
        {
            log.DispatchedThrough = Math.Max(log.DispatchedThrough, sequence);
        }
        return Task.CompletedTask;
    }

    private static bool Matches(EventLogEntry entry, EventLogQuery query) =>
        (query.SinceTimestamp is not { } since || entry.CreatedAt > since)
        && (query.EventType is null || entry.Type == query.EventType)
        && (query.Status is null || entry.Status == query.Status);

    private sealed class Log
    {
        public Lock Gate { get; } = new();

        public List<EventLogEntry?> Entries { get; } = [];

        public Dictionary<string, long> ById { get; } = new(StringComparer.Ordinal);

        public long DispatchedThrough { get; set; }
    }
}
