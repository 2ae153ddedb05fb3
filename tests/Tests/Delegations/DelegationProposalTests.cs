using System.Net;
using System.Text.Json;
using Grains.Delegations;
using Grains.Interfaces.Delegations;
using Tests.Deals;
using Tests.Infrastructure;

namespace Tests.Delegations;

/// <summary>
/// The agent proposal flow: every curl example of "Agent Proposal Flow" (and <c>action=proposal</c>) run as written,
/// rounds with subset-only counters, who may answer, the trust and scope rules of proposing, and expiry by reminder.
/// </summary>
public sealed class DelegationProposalTests(DelegationProposalTests.Api api) : IClassFixture<DelegationProposalTests.Api>
{
    public sealed class Api() : WebhookApi;

    private static readonly string[] ProposerScopes =
        ["agent:discover", "agent:negotiate", "agent:execute", "deals:read", "deals:write", "trust:read", "delegations:read", "delegations:write"];

    private sealed record Parties(TestTenant Tenant, DelegationCalls.Agent Proposer, DelegationCalls.Agent Target, Dictionary<string, string> Swaps);

    /// <summary>Two agent keys: the proposer at trust level 2 (it delegates), the target at level 0.</summary>
    private async Task<Parties> PartiesAsync()
    {
        var tenant = await api.NewTenantAsync();
        var proposer = await tenant.AgentKeyAsync(ProposerScopes);
        var target = await tenant.AgentKeyAsync(ProposerScopes);
        await tenant.SetTrustLevelAsync(proposer.KeyId, 2);
        return new Parties(tenant, proposer, target,
            new Dictionary<string, string> { ["key_agent_aaaaa"] = proposer.KeyId, ["key_agent_bbbbb"] = target.KeyId });
    }

    private async Task<JsonElement> RunAsync(DelegationCalls.Agent agent, string curl, Dictionary<string, string> swaps,
        HttpStatusCode expected = HttpStatusCode.OK) => await RunAsync(SecretOf(agent), curl, swaps, expected);

    private async Task<JsonElement> RunAsync(string key, string curl, Dictionary<string, string> swaps, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var (response, body) = await DocCurl.RunAsync(api.CreateClient(), key, curl, swaps);
        Assert.True(response.StatusCode == expected, $"{DocCurl.Parse(curl).Url} → {(int)response.StatusCode} {body}");
        return expected is HttpStatusCode.OK or HttpStatusCode.Created ? body.GetProperty("data") : body;
    }

    private static string SecretOf(DelegationCalls.Agent agent) => agent.Http.DefaultRequestHeaders.Authorization!.Parameter!;

    [Fact]
    public async Task The_documents_proposal_examples_run_as_written_and_acceptance_makes_the_delegation()
    {
        var (tenant, proposer, target, swaps) = await PartiesAsync();

        var proposed = await RunAsync(proposer, DelegationDocSnippets.Propose, swaps, HttpStatusCode.Created);
        Assert.StartsWith("dprop_", proposed.Str("id"));
        Assert.Equal("pending", proposed.Str("status"));
        Assert.Equal(proposer.KeyId, proposed.Str("proposer_api_key_id"));
        Assert.Equal(target.KeyId, proposed.Str("target_api_key_id"));
        Assert.Equal(["discover", "negotiate"], proposed.GetProperty("proposed_actions").EnumerateArray().Select(a => a.GetString()));
        // Only the proposed cap is shown, as in the example.
        Assert.Equal("""{"max_transaction_amount":1000.00}""", proposed.GetProperty("proposed_spending_limits").GetRawText());
        Assert.Equal(168, proposed.GetProperty("proposed_duration_hours").GetInt32());
        Assert.Equal("Requesting delegation to negotiate deals on your behalf", proposed.Str("message"));
        Assert.Equal(1, proposed.GetProperty("round").GetInt32());
        Assert.Equal(proposed.GetProperty("created_at").GetDateTimeOffset().AddDays(7), proposed.GetProperty("expires_at").GetDateTimeOffset());
        swaps["dprop_xxxxx"] = proposed.Str("id");

        var listed = await RunAsync(target, DelegationDocSnippets.ListProposals, swaps);
        Assert.Equal(proposed.Str("id"), Assert.Single(listed.GetProperty("proposals").EnumerateArray()).Str("id"));
        Assert.Equal(1, listed.GetProperty("pagination").GetProperty("total").GetInt32());
        // The proposer's own list holds nothing: it lists what is addressed to the caller.
        Assert.Empty((await RunAsync(proposer, DelegationDocSnippets.ListProposals, swaps)).GetProperty("proposals").EnumerateArray());

        var read = await RunAsync(tenant.Key, DelegationDocSnippets.Proposal, swaps);
        Assert.Equal("pending", read.Str("status"));
        Assert.Equal(1000m, read.GetProperty("proposed_spending_limits").GetProperty("max_transaction_amount").GetDecimal());

        var accepted = await RunAsync(target, DelegationDocSnippets.AcceptProposal, swaps);
        Assert.Equal("accepted", accepted.GetProperty("proposal").Str("status"));
        Assert.Equal(api.Time.GetUtcNow(), accepted.GetProperty("proposal").GetProperty("resolved_at").GetDateTimeOffset());
        var delegation = accepted.GetProperty("delegation");
        Assert.StartsWith("del_", delegation.Str("id"));
        Assert.Equal("active", delegation.Str("status"));
        Assert.Equal(["discover", "negotiate"], delegation.GetProperty("allowed_actions").EnumerateArray().Select(a => a.GetString()));

        // The delegation is from the proposer to the target, with the proposed cap, for 168 hours from acceptance.
        var made = await tenant.DelegationAsync(delegation.Str("id"));
        Assert.Equal(proposer.KeyId, made.Str("grantor_id"));
        Assert.Equal(target.KeyId, made.Str("grantee_agent_key_id"));
        Assert.Equal("1000.00", made.Str("max_transaction_amount"));
        Assert.Equal(api.Time.GetUtcNow().AddHours(168), made.GetProperty("expires_at").GetDateTimeOffset());
        Assert.Empty((await RunAsync(target, DelegationDocSnippets.ListProposals, swaps)).GetProperty("proposals").EnumerateArray());

        // "negotiate" covers agent:negotiate, not deals:write: the target cannot create a valued deal under it.
        var product = await tenant.ProductAsync("Seat", 100m);
        await tenant.SetTrustLevelAsync(target.KeyId, 1);
        var (refused, refusedBody) = await target.Http.ConfiguredDealAsync(delegation.Str("id"), product, 100m);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("authorization_error.delegation_action_not_allowed", refusedBody.Code());

        // Answered once: a second acceptance is refused.
        var again = await RunAsync(target, DelegationDocSnippets.AcceptProposal, swaps, HttpStatusCode.Conflict);
        Assert.Equal("conflict.proposal_accepted", again.Code());

        Assert.Single(await tenant.EventsAsync("delegation.proposed"));
        Assert.Equal(delegation.Str("id"), Assert.Single(await tenant.EventsAsync("delegation.accepted")).GetProperty("data").Str("delegation_id"));
        Assert.Single(await tenant.EventsAsync("delegation.granted"));
    }

    [Fact]
    public async Task A_counter_narrows_the_terms_in_a_new_round_that_the_original_proposer_accepts()
    {
        var (tenant, proposer, target, swaps) = await PartiesAsync();
        var first = await RunAsync(proposer, DelegationDocSnippets.Propose, swaps, HttpStatusCode.Created);
        swaps["dprop_xxxxx"] = first.Str("id");

        // Only the target answers; the proposer may not counter or accept its own round.
        var own = await RunAsync(proposer, DelegationDocSnippets.CounterProposal, swaps, HttpStatusCode.Forbidden);
        Assert.Equal("authorization_error.not_proposal_target", own.Code());
        // A counter may only narrow: an action not proposed is refused, naming the field.
        var (wider, widerBody) = await target.Http.SendJsonAsync(HttpMethod.Post, $"/v1/delegations/proposals/{first.Str("id")}/counter",
            """{"proposed_actions":["discover","execute"],"max_transaction_amount":2000}""");
        Assert.Equal(HttpStatusCode.Forbidden, wider.StatusCode);
        Assert.Equal("authorization_error.counter_exceeds_proposal", widerBody.Code());
        Assert.Equal(["proposed_actions", "max_transaction_amount"],
            widerBody.GetProperty("details").GetProperty("fields").EnumerateArray().Select(f => f.GetString()));

        api.Time.Advance(TimeSpan.FromMinutes(5));
        var second = await RunAsync(target, DelegationDocSnippets.CounterProposal, swaps, HttpStatusCode.Created);
        Assert.NotEqual(first.Str("id"), second.Str("id"));
        Assert.Equal("pending", second.Str("status"));
        Assert.Equal(first.Str("id"), second.Str("previous_proposal_id"));
        Assert.Equal(2, second.GetProperty("round").GetInt32());
        Assert.Equal(["discover"], second.GetProperty("proposed_actions").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(500m, second.GetProperty("proposed_spending_limits").GetProperty("max_transaction_amount").GetDecimal());
        Assert.Equal(72, second.GetProperty("proposed_duration_hours").GetInt32());
        Assert.Equal(api.Time.GetUtcNow().AddDays(7), second.GetProperty("expires_at").GetDateTimeOffset());
        // The counter is addressed back to the proposer; the delegation would still be from the proposer to the target.
        Assert.Equal(target.KeyId, second.Str("proposer_api_key_id"));
        Assert.Equal(proposer.KeyId, second.Str("target_api_key_id"));
        Assert.Equal(proposer.KeyId, second.Str("grantor_key_id"));

        var countered = await tenant.SendAsync(HttpMethod.Get, $"/v1/delegations?action=proposal&id={first.Str("id")}");
        Assert.Equal("countered", countered.Body.GetProperty("data").Str("status"));
        Assert.Equal(second.Str("id"), countered.Body.GetProperty("data").Str("next_proposal_id"));
        Assert.Equal("conflict.proposal_countered", (await RunAsync(target, DelegationDocSnippets.AcceptProposal, swaps, HttpStatusCode.Conflict)).Code());

        Assert.Equal(second.Str("id"), Assert.Single((await RunAsync(proposer, DelegationDocSnippets.ListProposals, swaps))
            .GetProperty("proposals").EnumerateArray()).Str("id"));
        swaps["dprop_xxxxx"] = second.Str("id");
        var history = (await RunAsync(tenant.Key, DelegationDocSnippets.Proposal, swaps)).GetProperty("history");
        Assert.Equal(first.Str("id"), Assert.Single(history.EnumerateArray()).Str("id"));

        var accepted = await RunAsync(proposer, DelegationDocSnippets.AcceptProposal, swaps);
        var delegation = await tenant.DelegationAsync(accepted.GetProperty("delegation").Str("id"));
        Assert.Equal(["discover"], delegation.GetProperty("allowed_actions").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("500.00", delegation.Str("max_transaction_amount"));
        Assert.Equal(proposer.KeyId, delegation.Str("grantor_id"));
        Assert.Equal(target.KeyId, delegation.Str("grantee_agent_key_id"));
        Assert.Equal(api.Time.GetUtcNow().AddHours(72), delegation.GetProperty("expires_at").GetDateTimeOffset());
        Assert.Equal(second.Str("id"), Assert.Single(await tenant.EventsAsync("delegation.countered")).GetProperty("data").Str("proposal_id"));
    }

    [Fact]
    public async Task A_rejected_proposal_makes_no_delegation()
    {
        var (tenant, proposer, target, swaps) = await PartiesAsync();
        swaps["dprop_xxxxx"] = (await RunAsync(proposer, DelegationDocSnippets.Propose, swaps, HttpStatusCode.Created)).Str("id");

        var rejected = await RunAsync(target, DelegationDocSnippets.RejectProposal, swaps);
        Assert.Equal("rejected", rejected.Str("status"));
        Assert.Equal("Spending limit too high for current context", rejected.Str("reason"));
        Assert.Equal(JsonValueKind.Null, rejected.GetProperty("delegation_id").ValueKind);
        Assert.Equal("conflict.proposal_rejected", (await RunAsync(target, DelegationDocSnippets.AcceptProposal, swaps, HttpStatusCode.Conflict)).Code());
        Assert.Equal("Spending limit too high for current context",
            Assert.Single(await tenant.EventsAsync("delegation.rejected")).GetProperty("data").Str("reason"));
        Assert.Empty(await tenant.EventsAsync("delegation.granted"));
        // Another key of the tenant (not a party) does not see it.
        var stranger = await tenant.AgentKeyAsync(ProposerScopes);
        Assert.Equal(HttpStatusCode.NotFound, (await DocCurl.RunAsync(api.CreateClient(), SecretOf(stranger), DelegationDocSnippets.Proposal, swaps)).Response.StatusCode);
    }

    [Fact]
    public async Task Proposing_needs_trust_level_2_the_offered_scopes_and_an_active_target()
    {
        var (tenant, proposer, target, swaps) = await PartiesAsync();
        // The target is at level 0: it cannot propose.
        swaps["key_agent_bbbbb"] = proposer.KeyId;
        var low = await RunAsync(target, DelegationDocSnippets.Propose, swaps, HttpStatusCode.Forbidden);
        Assert.Equal("authorization_error.trust_level_insufficient", low.Code());

        // Offering what the key does not hold (negotiate is agent:negotiate) is refused.
        var narrow = await tenant.AgentKeyAsync("agent:discover", "delegations:write", "delegations:read");
        await tenant.SetTrustLevelAsync(narrow.KeyId, 2);
        swaps["key_agent_bbbbb"] = target.KeyId;
        var beyond = await RunAsync(narrow, DelegationDocSnippets.Propose, swaps, HttpStatusCode.Forbidden);
        Assert.Equal("authorization_error.delegation_exceeds_grantor", beyond.Code());
        Assert.Equal(["negotiate"], beyond.GetProperty("details").GetProperty("actions").EnumerateArray().Select(a => a.GetString()));

        var (unknown, unknownBody) = await proposer.Http.SendJsonAsync(HttpMethod.Post, "/v1/delegations/proposals",
            """{"target_api_key_id":"key_agent_000000000000000000000000","proposed_actions":["discover","sign"]}""");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal(["proposed_actions"], unknownBody.GetProperty("details").GetProperty("fields").EnumerateObject().Select(f => f.Name));
        var (missing, missingBody) = await proposer.Http.SendJsonAsync(HttpMethod.Post, "/v1/delegations/proposals",
            """{"target_api_key_id":"key_agent_000000000000000000000000","proposed_actions":["discover"]}""");
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("not_found", missingBody.GetProperty("details").GetProperty("fields").GetProperty("target_api_key_id").Str("code"));

        // Without proposed_duration_hours the delegation would last the default week.
        var (made, madeBody) = await proposer.Http.SendJsonAsync(HttpMethod.Post, "/v1/delegations/proposals",
            $$"""{"target_api_key_id":"{{target.KeyId}}","proposed_actions":["discover"]}""");
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        Assert.Equal(168, madeBody.GetProperty("data").GetProperty("proposed_duration_hours").GetInt32());
        Assert.Equal("{}", madeBody.GetProperty("data").GetProperty("proposed_spending_limits").GetRawText());
    }

    [Fact]
    public async Task An_unanswered_round_expires_at_its_expires_at_by_its_reminder()
    {
        var (tenant, proposer, target, swaps) = await PartiesAsync();
        var proposed = await RunAsync(proposer, DelegationDocSnippets.Propose, swaps, HttpStatusCode.Created);
        swaps["dprop_xxxxx"] = proposed.Str("id");
        var grain = api.Grains.GetGrain<IDelegationProposalGrain>(DelegationProposals.Grain(tenant.Partition, proposed.Str("id")));

        api.Time.Advance(TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        await grain.AsReference<IRemindable>().ReceiveReminder(DelegationProposalGrain.ExpiryReminder, default);
        Assert.Single((await RunAsync(target, DelegationDocSnippets.ListProposals, swaps)).GetProperty("proposals").EnumerateArray());
        Assert.Empty(await tenant.EventsAsync("delegation.proposal_expired"));

        api.Time.Advance(TimeSpan.FromSeconds(1));
        await grain.AsReference<IRemindable>().ReceiveReminder(DelegationProposalGrain.ExpiryReminder, default);
        Assert.Equal("expired", (await RunAsync(tenant.Key, DelegationDocSnippets.Proposal, swaps)).Str("status"));
        Assert.Empty((await RunAsync(target, DelegationDocSnippets.ListProposals, swaps)).GetProperty("proposals").EnumerateArray());
        Assert.Equal("conflict.proposal_expired", (await RunAsync(target, DelegationDocSnippets.AcceptProposal, swaps, HttpStatusCode.Conflict)).Code());
        Assert.Single(await tenant.EventsAsync("delegation.proposal_expired"));
    }
}
