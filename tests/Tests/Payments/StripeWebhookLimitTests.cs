using System.Net;
using System.Text.Json.Nodes;

namespace Tests.Payments;

/// <summary>Stripe's events are admitted by their signature, not by the per-IP limit of unauthenticated requests.</summary>
public sealed class StripeWebhookLimitTests(StripeWebhookLimitTests.Api api) : IClassFixture<StripeWebhookLimitTests.Api>
{
    public sealed class Api() : PaymentsApi(new Dictionary<string, string?> { ["RateLimits:IpUnauthenticatedPerHour"] = "2" });

    [Fact]
    public async Task Stripe_events_are_not_counted_against_the_unauthenticated_per_ip_limit()
    {
        var unknown = new JsonObject { ["id"] = "cus_limit", ["object"] = "customer" };
        for (var i = 0; i < 5; i++)
        {
            var (response, _) = await api.StripeEventAsync("customer.created", unknown);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        // The same address is limited elsewhere: the third public request is refused.
        var http = api.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((await http.GetAsync("/v1/schema/state-machine")).StatusCode);
        }
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }
}
