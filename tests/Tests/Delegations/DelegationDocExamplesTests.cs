using System.Net;
using System.Text.Json;
using Tests.Deals;
using Tests.Infrastructure;

namespace Tests.Delegations;

/// <summary>Every curl example of §Delegations and §Agent Trust that is built, replayed as written (base URL, keys and ids swapped).</summary>
public sealed class DelegationDocExamplesTests(DelegationDocExamplesTests.Api api) : IClassFixture<DelegationDocExamplesTests.Api>
{
    public sealed class Api() : WebhookApi;

    [Fact]
    public async Task The_documents_delegation_and_agent_trust_examples_run_as_written()
    {
        var tenant = await api.NewTenantAsync();
        var (keyResponse, keyBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/keys", JsonSerializer.Serialize(new
        {
            name = "agent",
            agent_key = true,
            scopes = new[] { "deals:read", "deals:write", "agent:execute", "agent:negotiate", "delegations:read", "trust:read" },
        }));
        Assert.Equal(HttpStatusCode.Created, keyResponse.StatusCode);
        var agentKeyId = keyBody.GetProperty("data").Str("id");
        var agentSecret = keyBody.GetProperty("data").Str("secret");
        var customer = await tenant.CustomerAsync();
        var http = api.CreateClient();
        var swaps = new Dictionary<string, string> { ["key_agent_xxxxx"] = agentKeyId, ["cust_xxxxx"] = customer };

        async Task<JsonElement> Run(string curl, string key, HttpStatusCode expected = HttpStatusCode.OK)
        {
            var (response, body) = await DocCurl.RunAsync(http, key, curl, swaps);
            Assert.True(response.StatusCode == expected, $"{DocCurl.Parse(curl).Url} → {(int)response.StatusCode} {body}");
            return body.GetProperty("data");
        }

        var created = await Run(DelegationDocSnippets.Create, tenant.Key, HttpStatusCode.Created);
        Assert.Equal("5000.00", created.Str("max_transaction_amount"));
        Assert.Equal("25000.00", created.Str("available_today"));
        swaps["del_xxxxx"] = created.Str("delegation_id");

        var verify = await Run(DelegationDocSnippets.Verify, tenant.Key);
        Assert.True(verify.GetProperty("valid").GetBoolean());
        Assert.Equal(agentKeyId, verify.Str("grantee_key_id"));
        var check = await Run(DelegationDocSnippets.Check, agentSecret);
        Assert.True(check.GetProperty("valid").GetBoolean());

        // The example omits title, which §Deals requires: the delegation is accepted, the body is refused for title alone.
        var (use, useBody) = await DocCurl.RunAsync(http, agentSecret, DelegationDocSnippets.UseDelegation, swaps);
        Assert.Equal(HttpStatusCode.BadRequest, use.StatusCode);
        Assert.Equal(["title"], useBody.GetProperty("details").GetProperty("fields").EnumerateObject().Select(f => f.Name));
        var (titled, titledBody) = await DocCurl.RunAsync(http, agentSecret,
            DelegationDocSnippets.UseDelegation.Replace("\"currency\": \"USD\"", "\"currency\": \"USD\", \"title\": \"Delegated\""), swaps);
        Assert.True(titled.StatusCode == HttpStatusCode.Created, titledBody.ToString());
        Assert.Equal(customer, titledBody.GetProperty("data").GetProperty("deal").Str("customer_id"));

        Assert.Equal(0m, (await Run(DelegationDocSnippets.Spending, tenant.Key)).GetProperty("spent_today").GetDecimal());
        // A deal created without items reserves nothing, so the delegation has not counted it.
        Assert.Equal(0, (await Run(DelegationDocSnippets.Analytics, tenant.Key)).GetProperty("total_deals_created").GetInt32());
        Assert.Equal(1, (await Run(DelegationDocSnippets.Summary, tenant.Key)).GetProperty("active_count").GetInt32());
        Assert.Empty((await Run(DelegationDocSnippets.Pending, tenant.Key)).GetProperty("delegations").EnumerateArray());
        // from_date=2026-04-01 is after everything done here (the test clock is in March 2026).
        Assert.Empty((await Run(DelegationDocSnippets.Activity, tenant.Key)).GetProperty("events").EnumerateArray());

        Assert.Equal("2500.00", (await Run(DelegationDocSnippets.Update, tenant.Key)).Str("max_transaction_amount"));
        Assert.Equal("revoked", (await Run(DelegationDocSnippets.Revoke, tenant.Key)).Str("status"));

        var trust = await Run(DelegationDocSnippets.AgentTrust, agentSecret);
        Assert.Equal(agentKeyId, trust.Str("key_id"));
        Assert.Equal("Untrusted", trust.Str("trust_label"));
        Assert.Empty((await Run(DelegationDocSnippets.AgentTrustHistory, agentSecret)).GetProperty("history").EnumerateArray());
    }
}
