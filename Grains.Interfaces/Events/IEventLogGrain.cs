using Orleans.Concurrency;

namespace Grains.Interfaces.Events;

/// <summary>
/// The event log of one tenant+environment (key <c>{tenant}:{env}</c>): assigns each event its
/// <c>event_sequence</c> and stores it. Grains hand their outbox events here after their state write.
/// </summary>
public interface IEventLogGrain : IGrainWithStringKey
{
    /// <summary>
    /// Appends the events in order and returns once they are stored; the log then hands them to the partition's
    /// webhook endpoints itself (and again after a crash, until its dispatch mark is past them). Idempotent by event
    /// id: an event already in the log keeps its sequence, so a repeated append (after a crash or a failed outbox
    /// trim) adds nothing to the log and is not handed on twice.
    /// </summary>
    /// <returns>The sequence of each event, in the order given.</returns>
    Task<IReadOnlyList<long>> Append(IReadOnlyList<OutboxEvent> events);

    /// <summary>Events in sequence order (oldest first), filtered; reads do not wait for appends.</summary>
    [AlwaysInterleave]
    Task<EventLogPage> Query(EventLogQuery query, CancellationToken cancellationToken = default);
}

/// <summary>
/// Delivery status of a logged event across the endpoints it was handed to: <see cref="Pending"/> while any delivery
/// is pending; otherwise <see cref="Delivered"/> (all succeeded, or no endpoint wanted it), <see cref="Failed"/> (all
/// dead-lettered) or <see cref="PartiallyDelivered"/>.
/// </summary>
public static class EventStatuses
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string PartiallyDelivered = "partially_delivered";
    public const string Failed = "failed";

    public static readonly IReadOnlyList<string> All = [Pending, Delivered, PartiallyDelivered, Failed];

    /// <summary>The event's status from the statuses of its deliveries (<c>pending|success|failed</c>).</summary>
    public static string From(int pending, int succeeded, int failed) =>
        pending > 0 ? Pending
        : failed == 0 ? Delivered
        : succeeded == 0 ? Failed
        : PartiallyDelivered;
}

/// <summary>One stored event: the outbox event plus what the log gave it.</summary>
/// <param name="TraceParent">The producing span's <c>traceparent</c>, on a fresh hand-off only (the log does not store it).</param>
[GenerateSerializer, Immutable, Alias("events.log-entry")]
public sealed record EventLogEntry(
    [property: Id(0)] string Id,
    [property: Id(1)] long Sequence,
    [property: Id(2)] string Type,
    [property: Id(3)] string Status,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] string DataJson,
    [property: Id(6)] string? TraceParent = null);

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
