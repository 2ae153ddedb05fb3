using System.Diagnostics;

namespace Grains.Platform.Telemetry;

/// <summary>
/// Our own spans, and the trace context an event carries from the request that caused it to the webhook deliveries
/// it causes later (W3C <c>traceparent</c> text, stored with the event and the delivery).
/// </summary>
public static class SalesboothTracing
{
    public const string SourceName = "Salesbooth";

    private static readonly ActivitySource Source = new(SourceName, "1.0");

    /// <summary>The current span's <c>traceparent</c> when it is recorded (tracing on), else null: nothing to link to.</summary>
    public static string? CurrentTraceParent() =>
        Activity.Current is { Recorded: true } current ? current.Id : null;

    /// <summary>
    /// Starts the span of one group-commit flush (one transaction for several grains' writes): a child of the first
    /// submitter's span, linked to the others', so each request's trace reaches the database commands it caused.
    /// </summary>
    public static Activity? StartGroupCommit(IReadOnlyList<ActivityContext> submitters)
    {
        // The flush loop runs in the context of whichever write started it: not necessarily this batch's.
        Activity.Current = null;
        if (!Source.HasListeners())
        {
            return null;
        }
        var recorded = submitters.Where(s => s != default).ToList();
        var parent = recorded.Count > 0 ? recorded[0] : default;
        var links = recorded.Skip(1).Select(s => new ActivityLink(s));
        var activity = Source.StartActivity(ActivityKind.Internal, parent, links: links, name: "group commit");
        activity?.SetTag("salesbooth.batch.size", submitters.Count);
        return activity;
    }

    /// <summary>
    /// Starts a webhook delivery attempt's span in the trace of the request that produced the event (a new trace when
    /// there is none). The HTTP request sent inside it carries its <c>traceparent</c> to the receiver.
    /// </summary>
    public static Activity? StartWebhookDelivery(string? traceParent, string eventType, int attempt)
    {
        if (!Source.HasListeners())
        {
            return null;
        }
        // Whatever woke the endpoint (a reminder, another event's hand-off) is not this delivery's cause.
        Activity.Current = null;
        var parent = traceParent is not null && ActivityContext.TryParse(traceParent, null, isRemote: true, out var context)
            ? context
            : default;
        var activity = Source.StartActivity("webhook deliver", ActivityKind.Producer, parent);
        activity?.SetTag("webhook.event_type", eventType);
        activity?.SetTag("webhook.attempt", attempt);
        return activity;
    }
}
