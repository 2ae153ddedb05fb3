using System.Net;
using Tests.Customers;
using Tests.Infrastructure;
using Tests.Webhooks;

namespace Tests.Telemetry;

/// <summary>
/// <c>GET /metrics</c> in the Prometheus text format: the standard meters are there, and our counters move when the
/// work they count happens. (Our instruments are process-wide, so other tests running alongside can only add to them:
/// each assertion is "at least one more".) The standard meters (ASP.NET Core requests by route and status, runtime,
/// Orleans) are checked on a real ApiHost process instead (<see cref="ManagementSurfaceTests"/>): in this process many
/// test hosts publish meters of the same names, and a host's scrape was seen to lose its ASP.NET Core series once
/// other hosts had run (our reading: the SDK shares one metric stream between same-named meters of different hosts,
/// and a host that stops ends it for all; one host per process, as deployed, does not have it).
/// </summary>
public sealed class MetricsTests(MetricsTests.Api api) : IClassFixture<MetricsTests.Api>
{
    /// <summary>Management routes on the API's own port (<c>Management:Urls</c> empty), and a small unauthenticated IP limit.</summary>
    public sealed class Api() : WebhookApi(new Dictionary<string, string?>
    {
        ["Management:Urls"] = "",
        ["RateLimits:IpUnauthenticatedPerHour"] = "1",
    });

    private static readonly TimeSpan Network = TimeSpan.FromSeconds(20);

    private async Task<string> ScrapeAsync()
    {
        var response = await api.CreateClient().GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task Idempotent_replays_are_counted()
    {
        var tenant = await api.NewTenantAsync();
        var before = PrometheusText.Sum(await ScrapeAsync(), "salesbooth_idempotency_replays_total");
        var headers = new Dictionary<string, string> { ["Idempotency-Key"] = "metrics-replay" };
        const string body = """{"name":"Replay Me","email":"replay@example.com"}""";

        await tenant.Http.SendJsonAsync(HttpMethod.Post, "/v1/customers", body, headers);
        var (replay, _) = await tenant.Http.SendJsonAsync(HttpMethod.Post, "/v1/customers", body, headers);

        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.True(PrometheusText.Sum(await ScrapeAsync(), "salesbooth_idempotency_replays_total") >= before + 1);
    }

    [Fact]
    public async Task Rate_limit_rejections_are_counted_by_policy()
    {
        var before = PrometheusText.Sum(await ScrapeAsync(), "salesbooth_rate_limit_rejections_total", "rate_limit_policy=\"ip\"");
        using var anonymous = api.CreateClient();

        HttpResponseMessage response;
        do
        {
            response = await anonymous.GetAsync("/v1/customers");
        }
        while (response.StatusCode == HttpStatusCode.Unauthorized);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.True(PrometheusText.Sum(await ScrapeAsync(), "salesbooth_rate_limit_rejections_total", "rate_limit_policy=\"ip\"") >= before + 1);
    }

    [Fact]
    public async Task Webhook_deliveries_by_outcome_and_attempt_dead_letters_hand_off_lag_and_reminder_ticks_are_counted()
    {
        var tenant = await api.NewTenantAsync();
        var text = await ScrapeAsync();
        var success = PrometheusText.Sum(text, "salesbooth_webhook_deliveries_total", "webhook_outcome=\"success\"", "webhook_attempt=\"1\"");
        var deadLettered = PrometheusText.Sum(text, "salesbooth_webhook_deliveries_total", "webhook_outcome=\"dead_letter\"", "webhook_attempt=\"1\"");
        var deadLetters = PrometheusText.Sum(text, "salesbooth_webhook_dead_letters_total");
        var handOffs = PrometheusText.Sum(text, "salesbooth_event_log_hand_off_lag_seconds_count");
        var ticks = PrometheusText.Sum(text, "salesbooth_reminder_ticks_total", "reminder_kind=\"webhook-delivery\"");

        await using var receiver = await new WebhookReceiver().StartAsync();
        await tenant.RegisterAsync(receiver.Url, """["customer.created"]""");
        var down = new WebhookReceiver(); // never started: connections are refused
        var (downId, _) = await tenant.RegisterAsync(down.Url, """["customer.created"]""",
            ""","retry_policy":{"max_attempts":1,"backoff_ms":1000}""");
        await tenant.NewCustomerAsync();

        await Eventually.Get(() => tenant.DeliveriesAsync(downId), d => d.Length == 1 && d[0].Str("status") == "failed", Network,
            "the dead letter");
        await api.WakeAsync(tenant, downId);
        // The hand-off lag is recorded once the log's dispatch call returns, which can be after the endpoint has
        // delivered and counted: wait for both.
        text = await Eventually.Get(ScrapeAsync,
            t => PrometheusText.Sum(t, "salesbooth_webhook_deliveries_total", "webhook_outcome=\"success\"", "webhook_attempt=\"1\"") >= success + 1
                && PrometheusText.Sum(t, "salesbooth_event_log_hand_off_lag_seconds_count") >= handOffs + 1,
            Network, "the successful delivery and the hand-off to be counted");

        Assert.True(PrometheusText.Sum(text, "salesbooth_webhook_deliveries_total", "webhook_outcome=\"dead_letter\"", "webhook_attempt=\"1\"")
            >= deadLettered + 1);
        Assert.True(PrometheusText.Sum(text, "salesbooth_webhook_dead_letters_total") >= deadLetters + 1);
        Assert.True(PrometheusText.Sum(text, "salesbooth_event_log_hand_off_lag_seconds_count") >= handOffs + 1);
        Assert.True(PrometheusText.Sum(text, "salesbooth_reminder_ticks_total", "reminder_kind=\"webhook-delivery\"") >= ticks + 1);
    }
}
