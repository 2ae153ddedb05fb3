namespace Grains.Webhooks;

/// <summary>Operator settings of webhook delivery (section <c>Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    public const string SectionName = "Webhooks";

    /// <summary>
    /// Lets endpoints target loopback, private, link-local and multicast addresses and plain http. Off in cluster
    /// deployments (SSRF); the embedded topology turns it on unless set, since it serves a developer's own machine.
    /// </summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>
    /// How often an endpoint with undelivered work is woken by its reminder (which also carries it across
    /// deactivation and silo loss). Retries due sooner than this use a grain timer.
    /// </summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);
}
