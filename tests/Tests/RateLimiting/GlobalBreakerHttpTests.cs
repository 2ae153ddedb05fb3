using System.Net;
using Tests.Infrastructure;

namespace Tests.RateLimiting;

/// <summary>The platform-wide breaker: 503 <c>transient_error</c> for everyone once the global minute is full.</summary>
public sealed class GlobalBreakerHttpTests(GlobalBreakerHttpTests.Api api) : IClassFixture<GlobalBreakerHttpTests.Api>
{
    public sealed class Api() : RateLimitTestApi(new Dictionary<string, string?> { ["RateLimits:GlobalPerMinute"] = "30" });

    [Fact]
    public async Task Past_the_global_limit_every_request_gets_503_with_retry_after_and_requests_refused_by_their_key_do_not_count()
    {
        var small = await api.CreateKeyAsync("small", ratePerMinute: 3); // 1 global token; 3/min leaves no burst
        var smallClient = api.Client("203.0.113.20", small);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await smallClient.GetAsync("/v1/keys")).StatusCode);
        }
        for (var i = 0; i < 10; i++)
        {
            var refused = await smallClient.GetAsync("/v1/keys");
            Assert.Equal((HttpStatusCode)429, refused.StatusCode);
            Assert.Equal("key", refused.Header("X-RateLimit-Policy"));
        }

        var admin = api.Client("203.0.113.21", RateLimitTestApi.AdminKey);
        var admitted = 0;
        HttpResponseMessage response;
        while ((response = await admin.GetAsync("/v1/keys")).StatusCode == HttpStatusCode.OK)
        {
            admitted++;
            Assert.True(admitted <= 30, "the breaker never tripped");
        }
        Assert.Equal(30 - 1 - 3, admitted);

        var (tripped, body) = await admin.SendJsonAsync(HttpMethod.Get, "/v1/keys");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, tripped.StatusCode);
        Assert.Equal("transient_error", body.Code());
        Assert.Equal("transient_error", body.GetProperty("category").GetString());
        Assert.Equal("global", tripped.Header("X-RateLimit-Policy"));
        Assert.Equal(30, tripped.IntHeader("X-RateLimit-Limit"));
        Assert.Equal(tripped.IntHeader("Retry-After"), body.GetProperty("recovery").GetProperty("retry_after_seconds").GetInt32());
        Assert.InRange(tripped.IntHeader("Retry-After"), 1, 61);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await api.Client("203.0.113.22").GetAsync("/v1/keys")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/health")).StatusCode);

        api.Time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/v1/keys")).StatusCode);
    }
}
