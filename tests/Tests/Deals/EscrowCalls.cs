using System.Net;
using System.Text.Json;
using Grains.Deals;
using Grains.Interfaces.Deals;
using Tests.Customers;

using Tests.Infrastructure;

namespace Tests.Deals;

/// <summary>Deals ready for escrow or negotiation, the deal grain's reminder tick, and reading the event log.</summary>
public static class EscrowCalls
{
    /// <summary>A 99.00 + 10% tax deal signed by both sides: pending_payment, total 108.90.</summary>
    public static async Task<(string DealId, string CustomerId)> DealPendingPaymentAsync(this TestTenant tenant)
    {
        var (deal, customer, _) = await tenant.DealInProgressAsync();
        await tenant.SignBothAsync(deal, customer);
        return (deal, customer);
    }

    public static async Task SignBothAsync(this TestTenant tenant, string deal, string customer)
    {
        await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=sign", """{"consent_to_sign": true}""");
        var signed = await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=sign",
            $$"""{"signer_type":"customer","signer_id":"{{customer}}","consent_to_sign":true}""");
        Assert.Equal("pending_payment", signed.GetProperty("deal").Str("status"));
    }

    /// <summary>What the deal's reminder does when it ticks.</summary>
    public static Task TickAsync(this WebhookApi api, TestTenant tenant, string dealId) =>
        api.Grains.GetGrain<IDealGrain>(DealKeys.Grain(tenant.Partition, dealId)).AsReference<IRemindable>()
            .ReceiveReminder(DealGrain.DeadlineReminder, default);

    /// <summary>The tenant's logged events of one type (oldest first).</summary>
    public static async Task<List<JsonElement>> EventsAsync(this TestTenant tenant, string type, string? dealId = null)
    {
        var (response, body) = await tenant.SendAsync(HttpMethod.Get, $"/v1/webhooks/events?limit=100&event_type={type}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. body.GetProperty("data").GetProperty("events").EnumerateArray()
            .Where(e => dealId is null || e.GetProperty("data").Str("deal_id") == dealId)];
    }

    public static async Task<List<string>> AuditActionsAsync(this TestTenant tenant, string dealId)
    {
        var (_, trail) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?id={dealId}&action=audit&limit=100");
        return [.. trail.GetProperty("data").GetProperty("entries").EnumerateArray().Select(e => e.Str("action"))];
    }
}
