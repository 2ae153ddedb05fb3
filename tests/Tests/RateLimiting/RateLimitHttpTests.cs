using System.Net;
using Tests.Infrastructure;

namespace Tests.RateLimiting;

/// <summary>The key and per-IP tiers through the real HTTP pipeline, with small limits and a fake clock.</summary>
public sealed class RateLimitHttpTests(RateLimitHttpTests.Api api) : IClassFixture<RateLimitHttpTests.Api>
{
    public sealed class Api() : RateLimitTestApi(new Dictionary<string, string?> { ["RateLimits:IpUnauthenticatedPerHour"] = "5" });

    [Fact]
    public async Task A_key_gets_its_limit_then_its_burst_then_429_with_retry_after_while_another_key_is_unaffected()
    {
        var key = await api.CreateKeyAsync("limited", ratePerMinute: 20);
        var other = await api.CreateKeyAsync("neighbour", ratePerMinute: 20);
        var http = api.Client("203.0.113.10", key);
        var now = api.Time.GetUtcNow().ToUnixTimeSeconds();

        var seen = new List<(int Remaining, string Policy)>();
        for (var i = 0; i < 25; i++)
        {
            var (ok, _) = await http.SendJsonAsync(HttpMethod.Get, "/v1/keys");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal(20, ok.IntHeader("X-RateLimit-Limit"));
            Assert.InRange(long.Parse(ok.Header("X-RateLimit-Reset")), now, now + 61);
            seen.Add((ok.IntHeader("X-RateLimit-Remaining"), ok.Header("X-RateLimit-Policy")));
        }
        // 20 from the sliding window (policy key), then the 25% burst allowance (policy burst).
        Assert.Equal(Enumerable.Range(0, 20).Reverse().Select(r => (r, "key"))
            .Concat(Enumerable.Range(0, 5).Reverse().Select(r => (r, "burst"))), seen);

        var (refused, body) = await http.SendJsonAsync(HttpMethod.Get, "/v1/keys");
        Assert.Equal((HttpStatusCode)429, refused.StatusCode);
        Assert.True(body.GetProperty("error").GetBoolean());
        Assert.Equal("rate_limited", body.Code());
        Assert.Equal("rate_limited", body.GetProperty("category").GetString());
        Assert.True(body.GetProperty("recovery").GetProperty("retryable").GetBoolean());
        Assert.Equal(1, body.GetProperty("recovery").GetProperty("retry_after_seconds").GetInt32());
        Assert.Equal("1", refused.Header("Retry-After"));
        Assert.Equal("burst", refused.Header("X-RateLimit-Policy"));
        Assert.Equal(0, refused.IntHeader("X-RateLimit-Remaining"));
        Assert.Equal(refused.Header("X-Request-Id"), body.GetProperty("ref").GetString());

        var (neighbour, _) = await api.Client("203.0.113.10", other).SendJsonAsync(HttpMethod.Get, "/v1/keys");
        Assert.Equal(HttpStatusCode.OK, neighbour.StatusCode);
        Assert.Equal(19, neighbour.IntHeader("X-RateLimit-Remaining"));

        // The burst bucket refills one token a second.
        api.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await http.SendJsonAsync(HttpMethod.Get, "/v1/keys")).Response.StatusCode);
        Assert.Equal((HttpStatusCode)429, (await http.SendJsonAsync(HttpMethod.Get, "/v1/keys")).Response.StatusCode);

        // A minute later the window has moved past every counted request.
        api.Time.Advance(TimeSpan.FromSeconds(61));
        var (fresh, _) = await http.SendJsonAsync(HttpMethod.Get, "/v1/keys");
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.Equal((19, "key"), (fresh.IntHeader("X-RateLimit-Remaining"), fresh.Header("X-RateLimit-Policy")));
    }

    [Fact]
    public async Task Endpoint_errors_keep_the_rate_limit_headers()
    {
        var key = await api.CreateKeyAsync("errors", ratePerMinute: 50);
        var (missing, body) = await api.Client("203.0.113.11", key).SendJsonAsync(HttpMethod.Get, "/v1/keys?id=key_missing");

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("not_found", body.Code());
        Assert.Equal(50, missing.IntHeader("X-RateLimit-Limit"));
        Assert.Equal(49, missing.IntHeader("X-RateLimit-Remaining"));
    }

    [Fact]
    public async Task Unauthenticated_requests_are_limited_per_IP_including_refused_keys_but_not_health_or_keyed_calls()
    {
        const string Ip = "198.51.100.7";
        var anonymous = api.Client(Ip);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/ready")).StatusCode);
        }

        var remaining = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            var (unauthorized, _) = await anonymous.SendJsonAsync(HttpMethod.Get, "/v1/keys");
            Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
            Assert.Equal("ip", unauthorized.Header("X-RateLimit-Policy"));
            remaining.Add(unauthorized.IntHeader("X-RateLimit-Remaining"));
        }
        Assert.Equal([4, 3, 2], remaining);
        var (badKey, _) = await api.Client(Ip, "sb_live_us_NoSuchKeyNoSuchKey0001").SendJsonAsync(HttpMethod.Get, "/v1/keys");
        Assert.Equal(HttpStatusCode.Unauthorized, badKey.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/v1/no-such-route")).StatusCode);

        var (refused, body) = await anonymous.SendJsonAsync(HttpMethod.Get, "/v1/keys");
        Assert.Equal((HttpStatusCode)429, refused.StatusCode);
        Assert.Equal("rate_limited", body.Code());
        Assert.Equal("ip", refused.Header("X-RateLimit-Policy"));
        Assert.Equal(5, refused.IntHeader("X-RateLimit-Limit"));
        var retryAfter = refused.IntHeader("Retry-After");
        Assert.InRange(retryAfter, 3600, 3660);
        Assert.Equal(retryAfter, body.GetProperty("recovery").GetProperty("retry_after_seconds").GetInt32());
        Assert.Equal((HttpStatusCode)429, (await api.Client(Ip, "sb_live_us_NoSuchKeyNoSuchKey0001").GetAsync("/v1/keys")).StatusCode);
        Assert.Equal((HttpStatusCode)429, (await anonymous.GetAsync("/openapi/v1.json")).StatusCode);

        // Health probes, other addresses and requests with a valid key are unaffected.
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Client("198.51.100.8").GetAsync("/v1/keys")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.Client(Ip, RateLimitTestApi.AdminKey).GetAsync("/v1/keys")).StatusCode);
    }
}
