using System.Net;
using System.Text.Json;
using Grains.Delegations;
using Grains.Interfaces.Delegations;
using Tests.Deals;
using Tests.Infrastructure;

namespace Tests.Delegations;

/// <summary>An agent key (its id and a client with it), delegations made through the API, and deals created under one.</summary>
public static class DelegationCalls
{
    public sealed record Agent(string KeyId, HttpClient Http);

    /// <summary>A key of the tenant made through <c>POST /v1/keys</c>; its id is what a delegation names as grantee.</summary>
    public static async Task<Agent> AgentAsync(this TestTenant tenant, params string[] scopes)
    {
        scopes = scopes.Length > 0 ? scopes : ["deals:read", "deals:write", "agent:execute", "delegations:read", "delegations:write"];
        var (response, body) = await tenant.SendAsync(HttpMethod.Post, "/v1/keys",
            JsonSerializer.Serialize(new { name = "agent", scopes }));
        Assert.True(response.StatusCode == HttpStatusCode.Created, body.ToString());
        var data = body.GetProperty("data");
        return new Agent(data.Str("id"), tenant.Api.CreateClient().WithKey(data.Str("secret")));
    }

    /// <summary>An agent key (<c>agent_key: true</c>, <c>key_agent_...</c>) of the tenant made through <c>POST /v1/keys</c>.</summary>
    public static async Task<Agent> AgentKeyAsync(this TestTenant tenant, params string[] scopes)
    {
        scopes = scopes.Length > 0 ? scopes
            : ["deals:read", "deals:write", "agent:execute", "trust:read", "trust:write", "delegations:read", "delegations:write"];
        var (response, body) = await tenant.SendAsync(HttpMethod.Post, "/v1/keys",
            JsonSerializer.Serialize(new { name = "procurement bot", agent_key = true, scopes }));
        Assert.True(response.StatusCode == HttpStatusCode.Created, body.ToString());
        var data = body.GetProperty("data");
        Assert.True(data.GetProperty("agent_key").GetBoolean());
        Assert.StartsWith("key_agent_", data.Str("id"));
        return new Agent(data.Str("id"), tenant.Api.CreateClient().WithKey(data.Str("secret")));
    }

    /// <summary>The admin sets the key's manual trust level (a floor; 2 lets it delegate).</summary>
    public static async Task SetTrustLevelAsync(this TestTenant tenant, string keyId, int level)
    {
        var (response, body) = await tenant.SendAsync(HttpMethod.Post, $"/v1/agent-trust?key_id={keyId}&action=set_level",
            $$"""{"level":{{level}},"reason":"vetted"}""");
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
    }

    /// <summary>POSTs a delegation (as <paramref name="grantor"/>, under <paramref name="parent"/> when given); fails unless 201.</summary>
    public static async Task<JsonElement> DelegateAsync(this HttpClient grantor, string json, string? parent = null)
    {
        var (response, body) = await grantor.SendJsonAsync(HttpMethod.Post, "/v1/delegations", json, Under(parent));
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST /v1/delegations → {(int)response.StatusCode} {body}");
        return body.GetProperty("data");
    }

    /// <summary>A three-link chain and what its tests use: the tenant, a product (Seat, 100), the links' ids, the last grantee.</summary>
    /// <param name="GrandchildChain">The grandchild's <c>delegation_chain</c> as created.</param>
    public sealed record Chain(TestTenant Tenant, string Product, string Root, string Child, string Grandchild, Agent Last,
        IReadOnlyList<string?> GrandchildChain);

    /// <summary>
    /// admin → A (root, deals:read and deals:write) → B (child, deals:write) → C (grandchild, deals:write), each link made
    /// by its grantor; each link's <c>max_daily_amount</c> as given (null: none).
    /// </summary>
    public static async Task<Chain> ThreeLinksAsync(this TestTenant tenant, decimal? rootDaily, decimal? childDaily, decimal? grandchildDaily)
    {
        var product = await tenant.ProductAsync("Seat", 100m);
        var a = await tenant.AgentAsync();
        var b = await tenant.AgentAsync();
        var c = await tenant.AgentAsync();
        var root = (await tenant.Http.DelegateAsync(Link(a, ["deals:read", "deals:write"], rootDaily))).Str("delegation_id");
        var child = (await a.Http.DelegateAsync(Link(b, ["deals:write"], childDaily), root)).Str("delegation_id");
        var grandchild = await b.Http.DelegateAsync(Link(c, ["deals:write"], grandchildDaily), child);
        return new Chain(tenant, product, root, child, grandchild.Str("delegation_id"), c,
            [.. grandchild.GetProperty("delegation_chain").EnumerateArray().Select(e => e.GetString())]);
    }

    private static string Link(Agent grantee, string[] actions, decimal? maxDaily) => maxDaily is { } daily
        ? JsonSerializer.Serialize(new { grantee_agent_key_id = grantee.KeyId, allowed_actions = actions, max_daily_amount = daily })
        : JsonSerializer.Serialize(new { grantee_agent_key_id = grantee.KeyId, allowed_actions = actions });

    /// <summary>A create-configured deal of one item (product at its price, no tax) under <paramref name="delegation"/>.</summary>
    public static Task<(HttpResponseMessage Response, JsonElement Body)> ConfiguredDealAsync(this HttpClient agent, string delegation,
        string productId, decimal price) =>
        agent.SendJsonAsync(HttpMethod.Post, "/v1/deals?action=create-configured",
            $$"""{"items":[{"product_id":"{{productId}}","name":"Seat","unit_price":{{price}},"quantity":1}]}""", Under(delegation));

    public static async Task<JsonElement> DelegationAsync(this TestTenant tenant, string delegationId, string action = "")
    {
        var (response, body) = await tenant.SendAsync(HttpMethod.Get, $"/v1/delegations?id={delegationId}{(action == "" ? "" : "&action=" + action)}");
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return body.GetProperty("data");
    }

    /// <summary>What the delegation's reminder does when it ticks.</summary>
    public static Task TickAsync(this WebhookApi api, TestTenant tenant, string delegationId) =>
        api.Grains.GetGrain<IDelegationGrain>(DelegationKeys.Grain(tenant.Partition, delegationId)).AsReference<IRemindable>()
            .ReceiveReminder(DelegationGrain.ExpiryReminder, default);

    public static Dictionary<string, string> Under(string? delegation) =>
        delegation is null ? [] : new Dictionary<string, string> { [DelegationKeys.Header] = delegation };
}
