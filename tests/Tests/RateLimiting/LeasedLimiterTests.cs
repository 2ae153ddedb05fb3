using ApiHost.RateLimiting;
using Grains.Interfaces.RateLimiting;
using Grains.RateLimiting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Tests.Infrastructure;

namespace Tests.RateLimiting;

/// <summary>
/// The ApiHost lease cache against real limiter grains: several caches stand for several ApiHost
/// instances sharing one cluster.
/// </summary>
public sealed class LeasedLimiterTests(GrainTestCluster cluster) : IClassFixture<GrainTestCluster>
{
    private LeasedLimiter NewApiHost(RateLimitSettings? settings = null) =>
        new(cluster.Client, cluster.Time, Options.Create(settings ?? new RateLimitSettings()), NullLogger<LeasedLimiter>.Instance);

    private static string NewKey() => "k_" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Limits_hold_across_ApiHost_instances_within_one_lease_per_instance()
    {
        var settings = new RateLimitSettings { BurstPercent = 0 };
        var hosts = new[] { NewApiHost(settings), NewApiHost(settings) };
        var spec = new LimitSpec(200, RateLimitSettings.Minute);
        var lease = settings.LeaseSize(spec.Limit);
        Assert.Equal(10, lease);
        var key = NewKey();

        // Four concurrent workers per instance, 600 attempts in all: three times the limit.
        var admitted = await Task.WhenAll(hosts.SelectMany(host => Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            var count = 0;
            for (var i = 0; i < 75; i++)
            {
                if ((await host.Keys.AcquireAsync(key, spec)).Allowed)
                {
                    count++;
                }
            }
            return count;
        }))));

        var total = admitted.Sum();
        Assert.True(total <= spec.Limit + hosts.Length * lease, $"admitted {total}");
        // The clock stands still, so nothing expires: every leased token was spent, none beyond the window.
        Assert.Equal(spec.Limit, total);
        foreach (var host in hosts)
        {
            Assert.False((await host.Keys.AcquireAsync(key, spec)).Allowed);
        }
    }

    [Fact]
    public async Task Expired_leases_hand_their_unused_tokens_back_with_the_next_lease_request()
    {
        var host = NewApiHost(new RateLimitSettings { LeaseSeconds = 5 });
        var spec = new LimitSpec(100, RateLimitSettings.Minute);
        var key = NewKey();

        Assert.True((await host.Keys.AcquireAsync(key, spec)).Allowed);
        cluster.Time.Advance(TimeSpan.FromSeconds(6));
        Assert.True((await host.Keys.AcquireAsync(key, spec)).Allowed);

        // First lease: 5 counted, 1 spent, 4 handed back; second lease: 5 counted (1 spent, 4 held here).
        var probe = await cluster.Client.GetGrain<IRateLimiterGrain>(RateLimitSubjects.Key(key)).Lease(new LeaseRequest(0, spec));
        Assert.Equal(100 - 1 - 5, probe.WindowRemaining);
    }

    [Fact]
    public async Task Headers_see_the_window_count_including_what_this_host_still_holds()
    {
        var host = NewApiHost();
        var spec = new LimitSpec(100, RateLimitSettings.Minute);
        var key = NewKey();

        var remaining = new List<int>();
        for (var i = 0; i < 12; i++)
        {
            remaining.Add((await host.Keys.AcquireAsync(key, spec)).Remaining);
        }

        Assert.Equal(Enumerable.Range(88, 12).Reverse(), remaining);
    }

    [Fact]
    public async Task The_next_lease_is_fetched_in_the_background_so_steady_traffic_does_not_wait_for_the_grain()
    {
        var host = NewApiHost();
        var spec = new LimitSpec(100_000, RateLimitSettings.Minute);
        var key = NewKey();
        Assert.True((await host.Keys.AcquireAsync(key, spec)).Allowed); // the first request waits for the first lease (50)

        var waited = 0;
        for (var i = 1; i < 1000; i++)
        {
            var admission = host.Keys.AcquireAsync(key, spec);
            if (!admission.IsCompletedSuccessfully)
            {
                waited++;
            }
            Assert.True((await admission).Allowed);
            await PrefetchLanded(host, key);
        }

        Assert.Equal(0, waited);
    }

    /// <summary>Gives a prefetch (started with a quarter of the lease left) its grain round trip, as spaced-out traffic would.</summary>
    private static async Task PrefetchLanded(LeasedLimiter host, string key)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (host.Keys.IsFetching(key))
        {
            Assert.True(DateTime.UtcNow < deadline, "prefetch did not complete");
            await Task.Delay(1);
        }
    }

    [Fact]
    public async Task A_refusal_is_answered_locally_until_the_grain_could_say_otherwise()
    {
        var host = NewApiHost(new RateLimitSettings { BurstPercent = 0 });
        var spec = new LimitSpec(3, RateLimitSettings.Minute);
        var key = NewKey();
        for (var i = 0; i < 3; i++)
        {
            Assert.True((await host.Keys.AcquireAsync(key, spec)).Allowed);
        }

        var refused = await host.Keys.AcquireAsync(key, spec);
        Assert.False(refused.Allowed);
        var again = host.Keys.AcquireAsync(key, spec);
        Assert.True(again.IsCompletedSuccessfully, "a cached refusal needs no grain call");
        Assert.False((await again).Allowed);

        cluster.Time.Advance(TimeSpan.FromSeconds(61));
        Assert.True((await host.Keys.AcquireAsync(key, spec)).Allowed);
    }

    [Fact]
    public async Task A_token_taken_for_a_request_another_tier_refused_is_given_back()
    {
        var host = NewApiHost();
        var spec = new LimitSpec(1000, RateLimitSettings.Minute);
        var key = NewKey();

        var first = await host.Keys.AcquireAsync(key, spec);
        first.Undo();
        var second = await host.Keys.AcquireAsync(key, spec);

        Assert.Equal(first.Remaining, second.Remaining);
    }
}
