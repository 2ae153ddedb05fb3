using System.Net;
using System.Text.Json;
using Tests.Infrastructure;

namespace Tests.Telemetry;

/// <summary>
/// The dashboard and <c>/metrics</c> are served on the management port (<c>Management:Urls</c>, loopback 5081 by
/// default) only: the public port answers 404 for them, and the API description does not list them.
/// </summary>
public sealed class ManagementSurfaceTests
{
    public static readonly TheoryData<string> ManagementRoutes =
    [
        "/metrics", "/dashboard", "/dashboard/", "/dashboard/Trace", "/dashboard/SiloCounters/127.0.0.1:11111@1",
        "/dashboard/Reminders/1", "/dashboard/ClusterStats",
    ];

    [Theory]
    [MemberData(nameof(ManagementRoutes))]
    public async Task Public_port_answers_404_for_management_routes(string path)
    {
        await using var api = new EmbeddedApi();

        var response = await api.CreateClient().GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task OpenApi_document_lists_neither_the_dashboard_nor_metrics()
    {
        await using var api = new EmbeddedApi(new Dictionary<string, string?> { ["Management:Urls"] = "" });

        var document = JsonDocument.Parse(await api.CreateClient().GetStringAsync("/openapi/v1.json")).RootElement;
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();

        Assert.Contains(paths, p => p.StartsWith("/v1/customers", StringComparison.Ordinal));
        Assert.DoesNotContain(paths, p => p.StartsWith("/dashboard", StringComparison.Ordinal) || p.StartsWith("/metrics", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ApiHost_process_serves_dashboard_and_metrics_on_the_management_port_only()
    {
        var (publicPort, managementPort) = (TestPorts.Free(), TestPorts.Free());
        const string adminKey = "sb_live_us_MetricsProcessKey0001";
        await using var process = StartApiHost(publicPort, managementPort, new Dictionary<string, string?> { ["Bootstrap__AdminKey"] = adminKey });
        using var publicHttp = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{publicPort}") };
        using var management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{managementPort}") };
        await Eventually.Get(() => publicHttp.GetAsync("/ready"), r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(120),
            "ApiHost to become ready");
        using var customers = new HttpRequestMessage(HttpMethod.Get, "/v1/customers") { Headers = { { "Authorization", $"Bearer {adminKey}" } } };
        var listed = await publicHttp.SendAsync(customers);
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);

        // Requests by route template and status (recorded once the request completed, which may be just after the
        // client has the response), with the runtime and Orleans meters beside them, in the process an operator runs.
        var text = await Eventually.Get(async () =>
        {
            var metrics = await management.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
            return await metrics.Content.ReadAsStringAsync();
        }, t => PrometheusText.Sum(t, "http_server_request_duration_seconds_count", "http_route=\"/v1/customers/\"",
            "http_response_status_code=\"200\"") >= 1, TimeSpan.FromSeconds(10), "requests by route template and status");
        Assert.Contains("dotnet_gc_collections_total", text);
        Assert.Contains("orleans_catalog_activations", text);
        Assert.Contains("orleans_app_requests_latency_milliseconds", text);
        Assert.Equal(HttpStatusCode.OK, (await management.GetAsync("/dashboard/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await publicHttp.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await publicHttp.GetAsync("/dashboard/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await publicHttp.GetAsync("/dashboard/Trace")).StatusCode);
    }

    /// <summary>An embedded ApiHost process on the given public and management ports, with <paramref name="more"/> settings.</summary>
    internal static ProgramProcess StartApiHost(int publicPort, int managementPort, IReadOnlyDictionary<string, string?>? more = null)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{publicPort}",
            ["Management__Urls"] = $"http://127.0.0.1:{managementPort}",
            ["ConnectionStrings__Postgres"] = null,
            ["Orleans__Mode"] = null,
            ["Orleans__SiloPort"] = TestPorts.Free().ToString(),
            ["Orleans__GatewayPort"] = TestPorts.Free().ToString(),
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }
        return ProgramProcess.Start("ApiHost", environment);
    }
}
