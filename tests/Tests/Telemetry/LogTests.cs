using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Tests.Infrastructure;

namespace Tests.Telemetry;

/// <summary><c>Logging__Console__FormatterName=json</c>: one JSON object per line, carrying the request's trace and span ids.</summary>
public sealed class LogTests
{
    [Fact]
    public async Task Json_console_lines_carry_the_trace_and_span_ids_of_the_request()
    {
        var port = TestPorts.Free();
        await using var process = ManagementSurfaceTests.StartApiHost(port, TestPorts.Free(), new Dictionary<string, string?>
        {
            ["Logging__Console__FormatterName"] = "json",
            // Spans without a collector, and ASP.NET Core's "Request starting" lines, so a request logs something.
            ["Telemetry__Traces"] = "On",
            ["Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
        });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await Eventually.Get(() => http.GetAsync("/ready"), r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(120), "ApiHost to become ready");
        var traceId = ActivityTraceId.CreateRandom().ToString();

        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/schema/state-machine");
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(request)).StatusCode);

        var line = await Eventually.Get(() => Task.FromResult(process.Output.Split('\n').FirstOrDefault(l => l.Contains(traceId, StringComparison.Ordinal))),
            l => l is not null, TimeSpan.FromSeconds(10), "a log line of the request");
        var entry = JsonDocument.Parse(line!).RootElement;
        Assert.Equal("Microsoft.AspNetCore.Hosting.Diagnostics", entry.GetProperty("Category").GetString());
        var scope = entry.GetProperty("Scopes").EnumerateArray().First(s => s.TryGetProperty("TraceId", out _));
        Assert.Equal(traceId, scope.GetProperty("TraceId").GetString());
        Assert.Matches("^[0-9a-f]{16}$", scope.GetProperty("SpanId").GetString());
    }
}
