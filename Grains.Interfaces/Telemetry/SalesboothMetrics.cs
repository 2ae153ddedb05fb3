using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Grains.Interfaces.Telemetry;

/// <summary>
/// Every instrument of our own, on one <see cref="Meter"/> that ApiHost and the silos both register
/// (<c>TelemetryHosting.AddSalesboothTelemetry</c>, in Grains). Names follow the OpenTelemetry semantic conventions
/// (dotted lower case, a unit, <c>{thing}</c> for counts); Prometheus shows them with dots as underscores and
/// counters suffixed <c>_total</c>. A feature adds its instrument here, with a method that records it, and calls
/// that method where the work happens; the README's metric table lists them.
/// </summary>
/// <remarks>
/// Instruments are static: recording with no listener (telemetry off) costs a field check, and call sites need no
/// injected service. Tag values come from small fixed sets (outcomes, reminder names, policies): never ids.
/// </remarks>
public static class SalesboothMetrics
{
    public const string MeterName = "Salesbooth";

    private static readonly Meter Meter = new(MeterName, "1.0");

    private static readonly Counter<long> WebhookDeliveries = Meter.CreateCounter<long>(
        "salesbooth.webhook.deliveries", "{attempt}", "Webhook delivery attempts, by outcome and attempt number");

    private static readonly Counter<long> WebhookDeadLetters = Meter.CreateCounter<long>(
        "salesbooth.webhook.dead_letters", "{delivery}", "Webhook deliveries that ran out of attempts (dead-lettered)");

    private static readonly Histogram<double> EventHandOffLag = Meter.CreateHistogram<double>(
        "salesbooth.event_log.hand_off.lag", "s", "Time from an event-log append being stored to its hand-off to the webhook endpoints");

    private static readonly Counter<long> ReminderTicks = Meter.CreateCounter<long>(
        "salesbooth.reminder.ticks", "{tick}", "Orleans reminder ticks received by our grains, by reminder kind");

    private static readonly Counter<long> IdempotentReplays = Meter.CreateCounter<long>(
        "salesbooth.idempotency.replays", "{request}", "Requests answered with a stored response (Idempotent-Replayed: true)");

    private static readonly Counter<long> RateLimitRejections = Meter.CreateCounter<long>(
        "salesbooth.rate_limit.rejections", "{request}", "Requests refused by a rate limit, by policy");

    private static readonly Counter<long> EscrowExpiries = Meter.CreateCounter<long>(
        "salesbooth.escrow.expiries", "{escrow}", "Escrows refunded by their expiry (the deal's deadline reminder or a call after expires_at)");

    private static readonly Counter<long> NegotiationSteps = Meter.CreateCounter<long>(
        "salesbooth.negotiation.steps", "{step}", "Committed negotiation steps, by step (rounds are proposed and countered)");

    private static readonly Counter<long> DelegationCapRejections = Meter.CreateCounter<long>(
        "salesbooth.delegation.cap_rejections", "{request}", "Spends refused by a delegation's caps, by the cap that refused");

    private static readonly Counter<long> EmailOutcomes = Meter.CreateCounter<long>(
        "salesbooth.emails", "{email}", "Emails that reached a final sending outcome, by outcome");

    private static readonly Counter<long> CampaignSteps = Meter.CreateCounter<long>(
        "salesbooth.campaign.steps", "{step}", "Campaign and sequence steps dispatched, by step type");

    private static readonly Histogram<double> CampaignDispatchLag = Meter.CreateHistogram<double>(
        "salesbooth.campaign.dispatch.lag", "s", "Time from a campaign step falling due to its dispatch, by step type");

    /// <param name="outcome"><c>success</c>, <c>retry</c> (failed, another attempt scheduled), <c>dead_letter</c> or <c>gone</c> (410).</param>
    /// <param name="attempt">1 for the first attempt.</param>
    public static void WebhookDelivery(string outcome, int attempt) =>
        WebhookDeliveries.Add(1, new KeyValuePair<string, object?>("webhook.outcome", outcome),
            new KeyValuePair<string, object?>("webhook.attempt", attempt));

    public static void WebhookDeadLetter() => WebhookDeadLetters.Add(1);

    /// <param name="storedAt">A <see cref="Stopwatch.GetTimestamp"/> taken when the append was stored.</param>
    public static void EventHandedOff(long storedAt) => EventHandOffLag.Record(Stopwatch.GetElapsedTime(storedAt).TotalSeconds);

    /// <param name="kind">The reminder's name (one per kind of work: <c>webhook-delivery</c>, <c>event-log-dispatch</c>, ...).</param>
    public static void ReminderTick(string kind) => ReminderTicks.Add(1, new KeyValuePair<string, object?>("reminder.kind", kind));

    public static void IdempotentReplay() => IdempotentReplays.Add(1);

    public static void EscrowExpired() => EscrowExpiries.Add(1);

    /// <param name="step"><c>proposed</c>, <c>countered</c>, <c>accepted</c>, <c>rejected</c> or <c>expired</c>.</param>
    public static void NegotiationStep(string step) => NegotiationSteps.Add(1, new KeyValuePair<string, object?>("negotiation.step", step));

    /// <param name="cap"><c>transaction</c>, <c>daily</c>, <c>monthly</c> or <c>budget</c> (what the chain can still reserve).</param>
    public static void DelegationCapRejected(string cap) =>
        DelegationCapRejections.Add(1, new KeyValuePair<string, object?>("delegation.cap", cap));

    /// <param name="outcome"><c>sent</c>, <c>failed</c> or <c>cancelled</c>.</param>
    public static void EmailOutcome(string outcome) => EmailOutcomes.Add(1, new KeyValuePair<string, object?>("email.outcome", outcome));

    /// <param name="type">The step type (<c>email</c>, <c>linkedin_message</c>, ...).</param>
    /// <param name="lag">From the step's due time to its dispatch (the shard's clock).</param>
    public static void CampaignStepDispatched(string type, TimeSpan lag)
    {
        var tag = new KeyValuePair<string, object?>("campaign.step.type", type);
        CampaignSteps.Add(1, tag);
        CampaignDispatchLag.Record(Math.Max(0, lag.TotalSeconds), tag);
    }

    /// <param name="policy">The refusing tier: <c>key</c>, <c>burst</c>, <c>ip</c>, <c>global</c>.</param>
    public static void RateLimitRejection(string policy) =>
        RateLimitRejections.Add(1, new KeyValuePair<string, object?>("rate_limit.policy", policy));
}
