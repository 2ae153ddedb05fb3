using System.Diagnostics;
using System.Text.Json;
using Harness;

namespace DealBench;

/// <summary>PostgreSQL work per request of one kind, measured with nothing else running against the server.</summary>
public sealed record KindRoundTrips(string Kind, int Requests, double MeanLatencyMs, double Seconds, long Commits, long Rollbacks, double IdleCommitsSubtracted,
    double CommitsPerRequest, IReadOnlyDictionary<string, double> NpgsqlPerRequest);

public sealed record RoundTripResult(double IdleSeconds, long IdleCommits, double IdleCommitsPerSecond, IReadOnlyDictionary<string, double> IdleNpgsqlPerSecond,
    IReadOnlyList<KindRoundTrips> Kinds);

/// <summary>
/// Counts round trips per request kind on an otherwise idle server: <c>pg_stat_database.xact_commit</c> (every
/// statement outside an explicit transaction and every explicit transaction is one commit) before and after a fixed
/// number of requests sent one at a time, and the same interval's measurements of Npgsql's metrics in the server
/// process (commands sent). Backends report their counters when idle within 10 s, so each reading waits 11 s after
/// the last request; the background rate (membership heartbeats, reminders, pollers, the reading itself) is measured
/// on the idle server first and subtracted.
/// </summary>
public static class RoundTrips
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(11);

    public static async Task<RoundTripResult> MeasureAsync(Api api, ChildProcess server, BenchDatabase pg, string customer, string itemJson, int requests)
    {
        Driver.Log($"round trips: idle background first, then {requests} requests of each kind one at a time");
        await Task.Delay(Settle);
        var (idleStart, idleNpgsqlStart, idleClock) = (await pg.CountersAsync(), await NpgsqlAsync(server), Stopwatch.StartNew());
        await Task.Delay(Settle + Settle);
        var (idleEnd, idleNpgsqlEnd) = (await pg.CountersAsync(), await NpgsqlAsync(server));
        var idleSeconds = idleClock.Elapsed.TotalSeconds;
        var idleCommits = idleEnd.Commits - idleStart.Commits;
        var idleRate = idleCommits / idleSeconds;
        var idleNpgsql = Delta(idleNpgsqlStart, idleNpgsqlEnd).ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value / idleSeconds, 3), StringComparer.Ordinal);

        var ids = new List<string>(requests);
        var kinds = new List<KindRoundTrips>
        {
            await KindAsync("create", requests, pg, server, idleRate, idleNpgsql, async _ => ids.Add(await api.CreateDealAsync(Driver.CreateJson(customer)))),
            await KindAsync("add_item", requests, pg, server, idleRate, idleNpgsql, i => api.PostAsync($"/v1/deals?id={ids[i]}&action=add_item", itemJson)),
            await KindAsync("transition", requests, pg, server, idleRate, idleNpgsql,
                i => api.PostAsync($"/v1/deals?id={ids[i]}&action=transition&status=in_progress")),
            await KindAsync("get", requests, pg, server, idleRate, idleNpgsql, i => api.SendAsync(HttpMethod.Get, $"/v1/deals?id={ids[i]}")),
        };
        return new RoundTripResult(Math.Round(idleSeconds, 1), idleCommits, Math.Round(idleRate, 3), idleNpgsql, kinds);
    }

    private static async Task<KindRoundTrips> KindAsync(string kind, int requests, BenchDatabase pg, ChildProcess server, double idleRate,
        IReadOnlyDictionary<string, double> idleNpgsql, Func<int, Task> request)
    {
        var (start, npgsqlStart, clock) = (await pg.CountersAsync(), await NpgsqlAsync(server), Stopwatch.StartNew());
        for (var i = 0; i < requests; i++)
        {
            await request(i);
        }
        var meanMs = clock.Elapsed.TotalMilliseconds / requests;
        await Task.Delay(Settle);
        var (end, npgsqlEnd) = (await pg.CountersAsync(), await NpgsqlAsync(server));
        var seconds = clock.Elapsed.TotalSeconds;
        var idle = idleRate * seconds;
        var commits = end.Commits - start.Commits;
        var npgsql = Delta(npgsqlStart, npgsqlEnd).ToDictionary(kv => kv.Key,
            // + 0.0 turns a rounded -0 into 0.
            kv => Math.Round((kv.Value - idleNpgsql.GetValueOrDefault(kv.Key) * seconds) / requests, 2) + 0.0, StringComparer.Ordinal);
        var result = new KindRoundTrips(kind, requests, Math.Round(meanMs, 2), Math.Round(seconds, 1), commits, end.Rollbacks - start.Rollbacks, Math.Round(idle, 1),
            Math.Round((commits - idle) / requests, 2) + 0.0, npgsql);
        Driver.Log($"round trips: {kind}: {result.CommitsPerRequest} commits/request, {result.MeanLatencyMs} ms each ({commits} commits, {result.IdleCommitsSubtracted} idle subtracted); " +
                   $"npgsql {string.Join(", ", npgsql.Select(kv => $"{kv.Key}={kv.Value}"))}");
        return result;
    }

    private static async Task<Dictionary<string, long>> NpgsqlAsync(ChildProcess server) =>
        JsonSerializer.Deserialize<Dictionary<string, long>>(await server.GetAsync("/bench/npgsql")) ?? [];

    private static Dictionary<string, long> Delta(Dictionary<string, long> start, Dictionary<string, long> end) =>
        end.ToDictionary(kv => kv.Key, kv => kv.Value - start.GetValueOrDefault(kv.Key), StringComparer.Ordinal);
}
