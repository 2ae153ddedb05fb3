using System.Diagnostics;
using System.Net;
using Grains.Platform.Telemetry;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Tests.Customers;
using Tests.Infrastructure;
using Tests.Webhooks;

namespace Tests.Telemetry;

/// <summary>
/// One trace per API request, in the cluster topology (ApiHost as an Orleans client of a PostgreSQL silo): the
/// ASP.NET Core span, the grain call spans, the Npgsql commands the change caused, and the webhook delivery the
/// event causes later, whose HTTP request carries the trace on to the receiver (W3C <c>traceparent</c>). Spans are
/// collected by an in-memory exporter; the trace is the one the test's own <c>traceparent</c> started.
/// </summary>
public sealed class TraceTests
{
    private static readonly TimeSpan ClusterTimeout = TimeSpan.FromSeconds(60);

    private sealed class ClusterApi(Dictionary<string, string?> settings) : CatalogueApi(settings);

    [PostgresFact]
    public async Task A_request_is_one_trace_through_grains_Npgsql_and_the_webhook_delivery_it_causes()
    {
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation()
            .AddNpgsql()
            .AddSource([.. TelemetryHosting.ActivitySources])
            .AddInMemoryExporter(spans)
            .Build();
        var database = await TestPostgres.CreateDatabaseAsync("traces");
        await using var cluster = new PostgresCluster(database);
        // Spans recorded without a collector: grain-call propagation is added only when tracing is on.
        cluster.Settings["Telemetry:Traces"] = "On";
        await cluster.StartSiloAsync();
        var settings = cluster.ClientSettings;
        await using var api = new ClusterApi(new Dictionary<string, string?>
        {
            ["Orleans:Mode"] = "Client",
            ["Orleans:ClusterId"] = settings.ClusterId,
            ["Orleans:ServiceId"] = settings.ServiceId,
            ["ConnectionStrings:Postgres"] = database,
            ["Telemetry:Traces"] = "On",
        });
        var http = api.CreateClient().WithKey(CatalogueApi.AdminKey);
        await using var receiver = await new WebhookReceiver().StartAsync();
        // Eventually: the bootstrap key is registered once the ApiHost's client has connected.
        await Eventually.Get(() => http.SendJsonAsync(HttpMethod.Post, "/v1/webhooks", $$"""{"url":"{{receiver.Url}}","events":["customer.created"]}"""),
            r => r.Response.StatusCode == HttpStatusCode.Created, ClusterTimeout, "the webhook endpoint");

        var traceId = ActivityTraceId.CreateRandom();
        var caller = ActivitySpanId.CreateRandom();
        var (created, body) = await http.SendJsonAsync(HttpMethod.Post, "/v1/customers", """{"name":"Traced Customer","company":"Traced","email":"traced@example.com"}""",
            new Dictionary<string, string> { ["traceparent"] = $"00-{traceId}-{caller}-01" });
        Assert.True(created.StatusCode == HttpStatusCode.Created, body.ToString());

        var delivered = await Eventually.Get(() => Task.FromResult(receiver.Received), r => r.Count >= 1, ClusterTimeout, "the webhook delivery");
        var trace = await Eventually.Get(() => Task.FromResult(Snapshot(spans).Where(s => s.TraceId == traceId).ToList()),
            t => t.Any(s => s.Source.Name == "Npgsql") && t.Any(s => s.DisplayName == "webhook deliver") && Connected(t, caller), ClusterTimeout,
            "the trace's spans");

        var request = Assert.Single(trace, s => s.ParentSpanId == caller);
        Assert.Equal(("Microsoft.AspNetCore", ActivityKind.Server), (request.Source.Name, request.Kind));
        // One span per grain call, ours, recorded where the grain runs: no client-side span, none from Orleans' filters.
        var grainCalls = trace.Where(s => s.Source.Name == GrainCallTracing.SourceName).ToList();
        Assert.DoesNotContain(trace, s => s.Source.Name is "Microsoft.Orleans.Runtime" or "Microsoft.Orleans.Application");
        Assert.All(grainCalls, s =>
        {
            Assert.Equal(ActivityKind.Server, s.Kind);
            Assert.Equal(["rpc.method", "rpc.service", "rpc.system"], s.TagObjects.Select(t => t.Key).Order());
            Assert.Equal("orleans", s.GetTagItem("rpc.system"));
            Assert.Equal($"{((string)s.GetTagItem("rpc.service")!).Split('.')[^1]}/{s.GetTagItem("rpc.method")}", s.DisplayName);
        });
        var customer = Assert.Single(grainCalls, s => s.DisplayName.StartsWith("ICustomerGrain/", StringComparison.Ordinal));
        // The ApiHost's call is the customer grain's parent; the commands the change caused descend from a grain call.
        Assert.Equal(request.SpanId, customer.ParentSpanId);
        var byId = trace.ToDictionary(s => s.SpanId);
        Assert.Contains(trace, s => s.Source.Name == "Npgsql" && Ancestors(s, byId).Any(a => a.Source.Name == GrainCallTracing.SourceName));
        // The delivery continues the request's trace, and the receiver was sent it (the HTTP client span's id, a child).
        var delivery = trace.Single(s => s.DisplayName == "webhook deliver");
        Assert.Equal("customer.created", delivery.GetTagItem("webhook.event_type"));
        Assert.StartsWith($"00-{traceId}-", delivered[0].Header("traceparent"));

        // A caller that did not sample its trace gets no span of ours in it: the grain calls record nothing either.
        var unsampled = ActivityTraceId.CreateRandom();
        var before = Snapshot(spans).Count(s => s.Source.Name == GrainCallTracing.SourceName);
        var (second, secondBody) = await http.SendJsonAsync(HttpMethod.Post, "/v1/customers", """{"name":"Untraced Customer","company":"Untraced","email":"untraced@example.com"}""",
            new Dictionary<string, string> { ["traceparent"] = $"00-{unsampled}-{ActivitySpanId.CreateRandom()}-00" });
        Assert.True(second.StatusCode == HttpStatusCode.Created, secondBody.ToString());
        Assert.DoesNotContain(Snapshot(spans), s => s.TraceId == unsampled);
        Assert.DoesNotContain(Snapshot(spans).Where(s => s.Source.Name == GrainCallTracing.SourceName).Skip(before), s => s.DisplayName.StartsWith("ICustomerGrain/", StringComparison.Ordinal));
    }

    /// <summary>Every span descends from the request's (its parent ended, so was exported, after it).</summary>
    private static bool Connected(List<Activity> trace, ActivitySpanId caller)
    {
        var byId = trace.ToDictionary(s => s.SpanId);
        return trace.All(s => s.ParentSpanId == caller || Ancestors(s, byId).Any(a => a.ParentSpanId == caller));
    }

    private static IEnumerable<Activity> Ancestors(Activity span, Dictionary<ActivitySpanId, Activity> byId)
    {
        for (var parent = span.ParentSpanId; byId.TryGetValue(parent, out var ancestor); parent = ancestor.ParentSpanId)
        {
            yield return ancestor;
        }
    }

    /// <summary>The exporter appends while spans end; a copy that raced an append is simply taken again.</summary>
    private static Activity[] Snapshot(List<Activity> spans)
    {
        while (true)
        {
            try
            {
                return [.. spans];
            }
            catch (InvalidOperationException)
            {
            }
            catch (ArgumentException)
            {
            }
        }
    }
}
