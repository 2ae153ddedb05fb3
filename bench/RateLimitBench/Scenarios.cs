using System.Diagnostics;
using System.Net;
using ApiHost.Auth;
using ApiHost.RateLimiting;
using Grains.Interfaces.RateLimiting;
using Grains.Interfaces.Tenants;
using Harness;
using Grains.RateLimiting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace RateLimitBench;

/// <summary>One measured case: the middleware with given settings, keys, client addresses and threads.</summary>
public sealed class Scenario(string name, string description, SiloHost silo, RateLimitSettings settings, int keys, int ips, int threads,
    int exhaustFirst = 0)
{
    public string Name => name;

    public async Task<ScenarioResult> RunAsync(int requests)
    {
        var limiter = new LeasedLimiter(silo.Grains, TimeProvider.System, Options.Create(settings), NullLogger<LeasedLimiter>.Instance);
        var middleware = new RateLimitMiddleware(_ => Task.CompletedTask, limiter);
        var callers = Enumerable.Range(0, keys).Select(i => new ApiCaller(
            new ApiKeyRecord($"key_bench_{name}_{i}", "ten_bench", "bench", "sb_live_us_", ["*"], "live", DateTimeOffset.UtcNow), "hash")).ToArray();
        var addresses = Enumerable.Range(0, ips).Select(i => new IPAddress([10, 1, (byte)(i / 256), (byte)(i % 256)])).ToArray();
        var endpoint = new Endpoint(null, new EndpointMetadataCollection(new RequiredScope("admin")), "bench");

        for (var i = 0; i < exhaustFirst; i++)
        {
            await middleware.InvokeAsync(Request(callers[0], addresses[0], endpoint).Context);
        }
        // Warm-up: JIT, first leases, dictionary entries.
        await Measure(middleware, callers, addresses, endpoint, Math.Max(200_000, keys * ips * 4), threads);

        var calls = InProcessSilo.LeaseCalls;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var wall = Stopwatch.StartNew();
        var samples = await Measure(middleware, callers, addresses, endpoint, requests, threads);
        wall.Stop();
        var perRequestBytes = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)requests;
        return ScenarioResult.From(name, description, threads, samples, wall.Elapsed, InProcessSilo.LeaseCalls - calls, perRequestBytes);
    }

    private static async Task<long[]> Measure(RateLimitMiddleware middleware, ApiCaller[] callers, IPAddress[] addresses, Endpoint endpoint,
        int requests, int threads)
    {
        var samples = new long[requests];
        var perThread = requests / threads;
        await Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Run(async () =>
        {
            for (var i = t * perThread; i < (t + 1) * perThread; i++)
            {
                var (context, response) = Request(callers[i % callers.Length], addresses[i / callers.Length % addresses.Length], endpoint);
                var started = Stopwatch.GetTimestamp();
                await middleware.InvokeAsync(context);
                await response.StartAsync(); // the server starting the response runs the header callback
                samples[i] = Stopwatch.GetTimestamp() - started;
            }
        })));
        return samples;
    }

    /// <summary>A request as the middleware sees it after routing and authentication (building it is not timed).</summary>
    private static (HttpContext Context, StartableResponse Response) Request(ApiCaller caller, IPAddress ip, Endpoint endpoint)
    {
        var response = new StartableResponse();
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpResponseFeature>(response);
        context.Connection.RemoteIpAddress = ip;
        context.SetEndpoint(endpoint);
        // What ApiKeyAuthenticationMiddleware stores (its setter is internal to ApiHost).
        context.Items["api.caller"] = caller;
        return (context, response);
    }

    /// <summary>A response feature whose OnStarting callbacks run when the benchmark says the response starts.</summary>
    private sealed class StartableResponse : HttpResponseFeature
    {
        private readonly List<(Func<object, Task> Callback, object State)> starting = [];

        public override void OnStarting(Func<object, Task> callback, object state) => starting.Add((callback, state));

        public async Task StartAsync()
        {
            foreach (var (callback, state) in starting)
            {
                await callback(state);
            }
        }
    }
}

public static class Scenarios
{
    private const int High = 100_000_000;

    private static RateLimitSettings Admitting() => new() { KeyPerMinute = High, IpAuthenticatedPerHour = High, GlobalPerMinute = High };

    /// <summary>Run once first and not reported: the first scenario in a process otherwise pays for tiered JIT and cold caches.</summary>
    public static Scenario ProcessWarmUp(SiloHost silo) =>
        new("warm-up", "not reported", silo, Admitting(), keys: 10, ips: 2, threads: 1);

    public static IEnumerable<Scenario> All(SiloHost silo)
    {
        yield return new Scenario("disabled", "limiter off (`RateLimits:Enabled=false`): the harness and middleware call alone", silo,
            new RateLimitSettings { Enabled = false }, keys: 1, ips: 1, threads: 1);
        yield return new Scenario("hot-key", "one key, one IP, every request admitted (key + IP + global tiers, headers)", silo,
            Admitting(), keys: 1, ips: 1, threads: 1);
        yield return new Scenario("hot-key-2-threads", "as hot-key, two threads on one key (the box has 2 cores)", silo,
            Admitting(), keys: 1, ips: 1, threads: 2);
        yield return new Scenario("many-keys", "1,000 keys from 50 IPs round robin, every request admitted", silo,
            Admitting(), keys: 1000, ips: 50, threads: 1);
        yield return new Scenario("refused", "one key past its default 1,000/min + 250 burst: refusals answered locally with the 429 envelope", silo,
            new RateLimitSettings { IpAuthenticatedPerHour = High, GlobalPerMinute = High }, keys: 1, ips: 1, threads: 1, exhaustFirst: 1300);
    }
}
