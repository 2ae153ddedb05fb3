using Orleans.Concurrency;

namespace Grains.Interfaces.Events;

/// <summary>
/// The event log of one tenant+environment (key <c>{tenant}:{env}</c>): assigns each event its
/// <c>event_sequence</c> and stores it. Grains hand their outbox events here after their state write.
/// </summary>
public interface IEventLogGrain : IGrainWithStringKey
{
    /// <summary>
    /// Appends the events in order. Idempotent by event id: an event already in the log keeps its sequence, so a
    /// repeated hand-off (after a crash or a failed outbox trim) adds nothing.
    /// </summary>
    /// <returns>The sequence of each event, in the order given.</returns>
    Task<IReadOnlyList<long>> Append(IReadOnlyList<OutboxEvent> events);

    /// <summary>Events in sequence order (oldest first), filtered; reads do not wait for appends.</summary>
    [AlwaysInterleave]
    Task<EventLogPage> Query(EventLogQuery query, CancellationToken cancellationToken = default);
}

/// <summary>Delivery status of a logged event. Delivery does not exist yet, so every event is <see cref="Pending"/>.</summary>
public static class EventStatuses
{
    public const string Pending = "pending";

    public static readonly IReadOnlyList<string> All = [Pending, "delivered", "partially_delivered", "failed"];
}

/// <summary>One stored event: the outbox event plus what the log gave it.</summary>
[GenerateSerializer, Immutable, Alias("events.log-entry")]
public sealed record EventLogEntry(
    [property: Id(0)] string Id,
    [property: Id(1)] long Sequence,
    [property: Id(2)] string Type,
    [property: Id(3)] string Status,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] string DataJson);

/// <param name="SinceSequence">Only events with a higher sequence.</param>
/// <param name="SinceTimestamp">Only events created strictly after this instant.</param>
[GenerateSerializer, Immutable, Alias("events.log-query")]
public sealed record EventLogQuery(
    [property: Id(0)] long? SinceSequence = null,
    [property: Id(1)] DateTimeOffset? SinceTimestamp = null,
    [property: Id(2)] string? EventType = null,
    [property: Id(3)] string? Status = null,
    [property: Id(4)] int Limit = 50);

/// <param name="LastSequence">The last returned event's sequence (resume with it as <c>since_sequence</c>); with no
/// events, the <c>since_sequence</c> asked for (null when none was).</param>
/// <param name="HasMore">More matching events follow this page.</param>
[GenerateSerializer, Immutable, Alias("events.log-page")]
public sealed record EventLogPage(
    [property: Id(0)] IReadOnlyList<EventLogEntry> Events,
    [property: Id(1)] long? LastSequence,
    [property: Id(2)] bool HasMore);
