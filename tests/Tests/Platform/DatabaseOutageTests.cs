using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Npgsql;
using Tests.Infrastructure;
using Tests.RateLimiting;
using Xunit.Abstractions;

namespace Tests.Platform;

/// <summary>
/// Two silos and an ApiHost client on PostgreSQL, whose connections all go through a relay the test cuts: while the
/// database is unreachable writes answer 503 transient_error with Retry-After, /ready 503, /health storage down with
/// the silos up; once it is back the same keyed request succeeds within seconds, with nothing restarted.
/// </summary>
public sealed class DatabaseOutageTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ClusterTimeout = TimeSpan.FromSeconds(60);

    [PostgresFact]
    public async Task While_PostgreSQL_is_unreachable_writes_answer_503_and_after_it_returns_the_same_key_succeeds_without_restarts()
    {
        var database = await TestPostgres.CreateDatabaseAsync("outage");
        var server = new NpgsqlConnectionStringBuilder(database);
        await using var relay = new TcpProxy(server.Host!, server.Port);
        var through = relay.Through(database);
        await using var cluster = new PostgresCluster(through);
        await cluster.StartSiloAsync();
        await cluster.StartSiloAsync();

        const string adminKey = "sb_live_us_OutageTestAdminKey00001";
        await using var api = cluster.ClientApi(adminKey);
        var http = api.CreateClient().WithKey(adminKey);
        await Eventually.Get(() => http.GetAsync("/ready"), r => r.StatusCode == HttpStatusCode.OK, ClusterTimeout, "the ApiHost to be ready");
        var (before, _) = await http.SendJsonAsync(HttpMethod.Post, "/v1/customers", Customer("before@example.com"),
            new Dictionary<string, string> { ["Idempotency-Key"] = "outage-before" });
        Assert.Equal(HttpStatusCode.Created, before.StatusCode);

        relay.Cut();
        var keyed = new Dictionary<string, string> { ["Idempotency-Key"] = "outage-during" };
        var (during, error) = await http.SendJsonAsync(HttpMethod.Post, "/v1/customers", Customer("during@example.com"), keyed);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
        Assert.Equal("transient_error", error.Code());
        Assert.InRange(during.IntHeader("Retry-After"), 1, 60);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/ready")).StatusCode);
        var health = JsonDocument.Parse(await http.GetStringAsync("/health")).RootElement.GetProperty("checks");
        Assert.Equal("down", health.GetProperty("storage").GetProperty("status").GetString());
        Assert.Equal("up", health.GetProperty("cluster").GetProperty("status").GetString());
        Assert.Equal(2, health.GetProperty("cluster").GetProperty("active_silos").GetInt32());

        relay.Restore();
        var back = Stopwatch.StartNew();
        var (after, created) = await Eventually.Get(
            () => http.SendJsonAsync(HttpMethod.Post, "/v1/customers", Customer("during@example.com"), keyed),
            r => r.Response.StatusCode == HttpStatusCode.Created, ClusterTimeout, "the same keyed request to succeed");
        output.WriteLine($"the keyed create succeeded {back.Elapsed.TotalSeconds:F1} s after PostgreSQL was reachable again");
        Assert.True(back.Elapsed < TimeSpan.FromSeconds(15), $"recovery took {back.Elapsed}");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/ready")).StatusCode);

        // Nothing half-applied: the failed attempt left no customer behind, the retry made exactly one.
        var id = created.GetProperty("data").GetProperty("customer").GetProperty("id").GetString();
        var (list, page) = await http.SendJsonAsync(HttpMethod.Get, "/v1/customers?search=during@example.com");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal([id], page.GetProperty("data").GetProperty("customers").EnumerateArray().Select(c => c.GetProperty("id").GetString()));
    }

    private static string Customer(string email) => JsonSerializer.Serialize(new { name = "Outage Test", email });
}
