using Grains.Interfaces.Events;

namespace Grains.Events;

/// <summary>
/// Where the tenant event log lives: PostgreSQL in cluster mode, memory in embedded mode and grain tests (the shared
/// test contract holds both to the same behaviour). A partition is <c>tenant:environment</c>.
/// </summary>
public interface IEventLogStore
{
    /// <summary>
    /// Appends <paramref name="events"/> in order with sequences strictly increasing per partition and without gaps
    /// in commit order. An event id already in the partition (or repeated in the batch) keeps its first sequence.
    /// </summary>
    /// <returns>The sequence of each given event, in order.</returns>
    /// <param name="initialStatuses">Each new event's status (aligned with <paramref name="events"/>); <c>pending</c> when null.</param>
    Task<IReadOnlyList<long>> AppendAsync(string partition, IReadOnlyList<OutboxEvent> events, IReadOnlyList<string>? initialStatuses = null,
        CancellationToken cancellationToken = default);

    /// <summary>Matching events in sequence order, at most <see cref="EventLogQuery.Limit"/> (1–1000).</summary>
    Task<EventLogPage> QueryAsync(string partition, EventLogQuery query, CancellationToken cancellationToken = default);

    /// <summary>Sets delivery statuses (<see cref="EventStatuses"/>) of logged events; unknown ids are ignored.</summary>
    Task SetStatusesAsync(IReadOnlyList<EventStatusChange> changes, CancellationToken cancellationToken = default);

    /// <summary>The partition's dispatch mark and its last sequence (both 0 for a partition never written).</summary>
    Task<DispatchPosition> DispatchPositionAsync(string partition, CancellationToken cancellationToken = default);

    /// <summary>Records that the events up to <paramref name="sequence"/> have been handed on; the mark never moves back.</summary>
    Task SetDispatchedThroughAsync(string partition, long sequence, CancellationToken cancellationToken = default);

    /// <summary>Deletes up to <paramref name="batchSize"/> <c>delivered</c> events created before <paramref name="cutoff"/>.</summary>
    /// <returns>How many were deleted.</returns>
    Task<int> DeleteDeliveredBeforeAsync(string partition, DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default);
}

/// <summary>
/// Where a partition's hand-off to webhook endpoints stands: every event up to <paramref name="DispatchedThrough"/> was
/// handed on (or wanted by nobody); <paramref name="LastSequence"/> is the last event logged.
/// </summary>
public sealed record DispatchPosition(long DispatchedThrough, long LastSequence);

/// <summary>A logged event's new delivery status.</summary>
public sealed record EventStatusChange(string Partition, string EventId, string Status);

/// <summary>Rules both stores share, so they cannot drift apart.</summary>
public static class EventLogRules
{
    public const int MaxLimit = 1000;

    public static void Validate(EventLogQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1, nameof(query.Limit));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Limit, MaxLimit, nameof(query.Limit));
    }

    /// <summary>A page from up to <c>Limit + 1</c> fetched entries (the extra one only tells whether more follow).</summary>
    public static EventLogPage ToPage(IReadOnlyList<EventLogEntry> fetched, EventLogQuery query)
    {
        var events = fetched.Take(query.Limit).ToList();
        return new EventLogPage(events, events.Count > 0 ? events[^1].Sequence : query.SinceSequence, fetched.Count > query.Limit);
    }

    /// <summary>PostgreSQL keeps microseconds; the in-memory store stores the same so both answer alike.</summary>
    public static DateTimeOffset ToMicroseconds(DateTimeOffset at)
    {
        var ticks = at.UtcTicks;
        return new DateTimeOffset(ticks - (ticks % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);
    }
}
