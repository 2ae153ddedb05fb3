namespace Grains.Interfaces.Events;

/// <summary>
/// A domain event a grain recorded in its persisted outbox, in the same state write as the change it
/// describes (so a crash can never keep one without the other). <see cref="DataJson"/> is the webhook
/// payload's <c>data</c> object, kept as text so it crosses the wire and storage unchanged.
/// </summary>
/// <param name="Id"><c>evt_...</c>; a re-delivery carries the same id (at-least-once).</param>
/// <param name="Type">The document's event name, e.g. <c>customer.created</c>.</param>
/// <param name="TraceParent">W3C <c>traceparent</c> of the span that produced the event (tracing on), so the webhook
/// deliveries it causes continue that request's trace.</param>
[GenerateSerializer, Immutable, Alias("events.outbox-event")]
public sealed record OutboxEvent(
    [property: Id(0)] string Id,
    [property: Id(1)] string Type,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] string DataJson,
    [property: Id(4)] string? TraceParent = null);
