using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Grains.Interfaces.Idempotency;
using Grains.Platform.Cluster;
using Grains.Platform.Hosting;
using Npgsql;
using Tests.Infrastructure;
using Tests.Webhooks;
using Xunit.Abstractions;

namespace Tests.Platform;

/// <summary>
/// The operator's fault drill with real processes: two Silo programs and an ApiHost in client mode on PostgreSQL,
/// clients creating customers with an <c>Idempotency-Key</c> each (retrying 5xx, transport errors and 409
/// <c>idempotency_key_in_flight</c> with the same key, as the document tells them to), a webhook endpoint on
/// <c>customer.created</c>; then one silo is killed (<c>SIGKILL</c>) or stopped (<c>SIGTERM</c>) under that load.
/// Asserted: every create completes, none is doubled, every event is delivered; a kill costs seconds, a graceful stop
/// costs clients nothing. The figures (failing window, slowest create, exit time) are printed for the README.
/// </summary>
public sealed class SiloProcessLossTests(ITestOutputHelper output)
{
    private const string AdminKey = "sb_live_us_silolossadminkey00001";
    private const int Clients = 4;

    // Operational pacing (wall clock, not business time): how long the load runs around the fault.
    private static readonly TimeSpan BeforeFault = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan AfterFault = TimeSpan.FromSeconds(12);
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How soon requests must stop failing after a kill: the peers' vote (three missed probes), the client's next read
    /// of the membership table (<see cref="SiloLossWatch"/> then fails the calls stuck on the dead silo), the key's
    /// in-flight hold after that 503, the client's retry pause, and 3 s for a loaded machine. Issue #13 asks for 5 s;
    /// runs on this machine measured about 3 s (see README, "Faults and recovery").
    /// </summary>
    private static readonly TimeSpan RecoveryTarget = ClusterTimeouts.Probe * ClusterTimeouts.MissedProbes + SiloLossWatch.PollEvery +
        IdempotencyPolicy.UnsettledHold + RetryPause + TimeSpan.FromSeconds(3);

    [PostgresFact]
    public async Task After_a_silo_is_killed_requests_stop_failing_within_seconds_and_nothing_is_lost_or_doubled()
    {
        var run = await RunAsync(graceful: false);
        Assert.True(run.FailingWindow <= RecoveryTarget,
            $"requests failed until {run.FailingWindow.TotalSeconds:F1} s after the kill (target {RecoveryTarget.TotalSeconds} s)");
    }

    [PostgresFact]
    public async Task A_graceful_silo_stop_costs_clients_nothing_and_the_silo_exits_promptly()
    {
        var run = await RunAsync(graceful: true);
        Assert.Empty(run.Failures);
        // The bound catches a stop that hangs on a timeout (the 30 s shutdown waits this code had); the exit time itself
        // is a figure for the README, printed with its split by stage: 1.6-7.2 s at load averages of 23-53 (issue #13).
        Assert.True(run.ExitTime < TimeSpan.FromSeconds(10), $"the silo took {run.ExitTime.TotalSeconds:F1} s to exit after SIGTERM");
    }

    private async Task<Run> RunAsync(bool graceful)
    {
        var database = await TestPostgres.CreateDatabaseAsync(graceful ? "silo_term" : "silo_kill");
        var cluster = $"loss-{Guid.NewGuid():N}"[..20];
        var common = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = database,
            ["Orleans__ClusterId"] = cluster,
            ["Orleans__ServiceId"] = cluster,
            ["Encryption__MasterKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Webhooks__AllowPrivateTargets"] = "true",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        await using var siloA = await StartSiloAsync(common);
        await using var siloB = await StartSiloAsync(common);
        var apiPort = TestPorts.Free();
        await using var api = ProgramProcess.Start("ApiHost", new Dictionary<string, string?>(common)
        {
            ["Orleans__Mode"] = "Client",
            ["Bootstrap__AdminKey"] = AdminKey,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{apiPort}",
            ["Management__Urls"] = $"http://127.0.0.1:{TestPorts.Free()}",
            ["RateLimits__KeyPerMinute"] = "1000000",
            ["RateLimits__IpAuthenticatedPerHour"] = "100000000",
            ["RateLimits__GlobalPerMinute"] = "100000000",
        });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}"), Timeout = TimeSpan.FromSeconds(60) }.WithKey(AdminKey);
        await WaitAsync(http, "/ready", api, "ApiHost");
        await using var receiver = await new WebhookReceiver().StartAsync();
        await Eventually.Get(
            async () => (await http.SendJsonAsync(HttpMethod.Post, "/v1/webhooks", $$"""{"url":"{{receiver.Url}}","events":["customer.created"]}""")).Response.StatusCode,
            status => status == HttpStatusCode.Created, TimeSpan.FromSeconds(60), "the webhook endpoint (the bootstrap key is created just after /ready)");

        // The load: each client creates customers one after another, each under its own key until it succeeds.
        var clock = Stopwatch.StartNew();
        var attempts = new ConcurrentBag<Attempt>();
        var ids = new ConcurrentBag<string>();
        var slowest = TimeSpan.Zero;
        using var stop = new CancellationTokenSource();
        var clients = Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var key = Guid.NewGuid().ToString("N");
                var body = $$"""{"name":"Buyer {{c}}-{{n}}","email":"buyer{{c}}.{{n}}.{{key[..6]}}@example.com"}""";
                var began = clock.Elapsed;
                while (true)
                {
                    var start = clock.Elapsed;
                    var (status, id) = await TryCreateAsync(http, body, key);
                    attempts.Add(new Attempt(start, clock.Elapsed, status));
                    if (id is not null)
                    {
                        ids.Add(id);
                        var took = clock.Elapsed - began;
                        lock (attempts)
                        {
                            slowest = took > slowest ? took : slowest;
                        }
                        break;
                    }
                    await Task.Delay(RetryPause);
                }
            }
        })).ToArray();

        await Task.Delay(BeforeFault);
        var victim = siloB;
        var faultAt = clock.Elapsed;
        var exitTime = TimeSpan.Zero;
        var stopTimeline = "";
        if (graceful)
        {
            // From before the signal (the `kill` it runs is part of the figure) to the exit the parent sees.
            var signalled = DateTime.UtcNow;
            victim.Terminate();
            await victim.WaitForExitAsync(TimeSpan.FromSeconds(60));
            exitTime = DateTime.UtcNow - signalled;
            stopTimeline = SiloStopTimeline.Describe(victim.Output, signalled, signalled + exitTime);
        }
        else
        {
            victim.Kill();
        }
        await Task.Delay(AfterFault);
        await stop.CancelAsync();
        await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(90));

        var failures = attempts.Where(a => !a.Succeeded).OrderBy(a => a.End).ToList();
        if (graceful && failures.Count > 0)
        {
            // What held the stop: Orleans logs a call that outlived the response timeout, and what it dropped, at Warning.
            foreach (var (name, process) in new[] { ("stopped silo", victim), ("surviving silo", siloA) })
            {
                foreach (var line in process.Output.Split('\n').Where(l => l.Contains("warn:", StringComparison.Ordinal) || l.Contains("fail:", StringComparison.Ordinal)))
                {
                    output.WriteLine($"  {name}: {line}");
                }
            }
        }
        var failingWindow = failures.Count == 0 ? TimeSpan.Zero : failures[^1].End - faultAt;
        var fault = graceful ? "SIGTERM" : "SIGKILL";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{fault}: {ids.Count} creates, {attempts.Count} attempts, {failures.Count} failed attempts ({string.Join(", ", failures.GroupBy(f => f.Status).Select(g => $"{g.Key} ×{g.Count()}"))}); " +
            $"failures end {failingWindow.TotalSeconds:F2} s after the fault; slowest create {slowest.TotalSeconds:F2} s; silo exit after SIGTERM {exitTime.TotalSeconds:F2} s"));
        if (graceful)
        {
            output.WriteLine($"  stop of the silo: {stopTimeline}");
        }

        foreach (var f in failures)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  failed attempt {(f.Start - faultAt).TotalSeconds:F2} → {(f.End - faultAt).TotalSeconds:F2} s after the fault: {f.Status}"));
        }

        // Nothing doubled: one customer per key, and exactly those in the database.
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(ids.Count, await CountCustomersAsync(database));
        // Nothing lost: every created customer's event reaches the endpoint.
        List<string> Missing() => [.. ids.Where(id => !receiver.Succeeded.Any(r => r.Text.Contains(id, StringComparison.Ordinal)))];
        try
        {
            await Eventually.Get(() => Task.FromResult(Missing()), m => m.Count == 0, TimeSpan.FromSeconds(90), "every customer.created delivered");
        }
        catch (TimeoutException)
        {
            var missing = Missing();
            Assert.Fail($"{missing.Count} of {ids.Count} customer.created events never delivered; the first: {await DescribeAsync(database, missing[0])}");
        }
        Assert.True(siloA.HasExited is false, "the surviving silo is still running");
        return new Run(failures, failingWindow, exitTime);
    }

    private static async Task<(string Status, string? Id)> TryCreateAsync(HttpClient http, string body, string key)
    {
        try
        {
            var (response, json) = await http.SendJsonAsync(HttpMethod.Post, "/v1/customers", body, new Dictionary<string, string> { ["Idempotency-Key"] = key });
            if (response.IsSuccessStatusCode)
            {
                return ("ok", json.GetProperty("data").GetProperty("customer").GetProperty("id").GetString());
            }
            var code = json.ValueKind == System.Text.Json.JsonValueKind.Object && json.TryGetProperty("code", out var c) ? c.GetString() : null;
            // A client's retryable answers: server errors and a key still in flight. Anything else is a bug here.
            return (int)response.StatusCode >= 500 || code == "conflict.idempotency_key_in_flight"
                ? ($"{(int)response.StatusCode} {code}", null)
                : throw new InvalidOperationException($"create answered {(int)response.StatusCode}: {json}");
        }
        catch (HttpRequestException e)
        {
            return ($"transport {e.HttpRequestError}", null);
        }
        catch (TaskCanceledException)
        {
            return ("client timeout", null);
        }
    }

    private static async Task<long> CountCustomersAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM resource_projection WHERE resource_type = 'customer'", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Where a customer's event stands: its log row, its deliveries and the partition's dispatch mark.</summary>
    private static async Task<string> DescribeAsync(string database, string customerId)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT 'event ' || e.sequence || ' ' || e.status || ' ' || e.event_id || ', dispatched through ' ||
                   coalesce((SELECT d.dispatched_through::text FROM event_log_dispatch d WHERE d.partition = e.partition), 'none') ||
                   ', deliveries: ' || coalesce((SELECT string_agg(w.status || '/' || w.attempts, ',') FROM webhook_delivery w
                                                  WHERE w.partition = e.partition AND w.event_id = e.event_id), 'none')
            FROM event_log e WHERE e.event_type = 'customer.created' AND e.data LIKE '%' || @id || '%'
            """, connection);
        command.Parameters.AddWithValue("id", customerId);
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }
        return rows.Count == 0 ? $"{customerId}: no event_log row" : $"{customerId}: {string.Join("; ", rows)}";
    }

    private static async Task<ProgramProcess> StartSiloAsync(IReadOnlyDictionary<string, string?> common)
    {
        var port = TestPorts.Free();
        var silo = ProgramProcess.Start("Silo", new Dictionary<string, string?>(common.Concat(SiloStopTimeline.Logging))
        {
            ["Orleans__SiloPort"] = TestPorts.Free().ToString(CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = TestPorts.Free().ToString(CultureInfo.InvariantCulture),
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Management__Urls"] = null,
        });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await WaitAsync(http, "/ready", silo, "Silo");
        return silo;
    }

    /// <summary>Polls <c>/ready</c> until 200; a process that exits meanwhile fails the wait with its output.</summary>
    private static Task WaitAsync(HttpClient http, string path, ProgramProcess process, string name) =>
        Eventually.Get(async () => process.HasExited
                ? throw new InvalidOperationException($"{name} exited with {process.ExitCode}:\n{process.Output}")
                : (await http.GetAsync(path)).StatusCode,
            status => status == HttpStatusCode.OK, TimeSpan.FromMinutes(2), $"{name} to answer {path}");

    private sealed record Attempt(TimeSpan Start, TimeSpan End, string Status)
    {
        public bool Succeeded => Status == "ok";
    }

    private sealed record Run(IReadOnlyList<Attempt> Failures, TimeSpan FailingWindow, TimeSpan ExitTime);
}
