using System.Net;
using System.Text.Json;
using Tests.Customers;
using Tests.Infrastructure;

namespace Tests.Deals;

/// <summary>
/// Negotiations through the API: the document's curl examples as written (the clock stands at the examples' date, so
/// their expires_at is ahead), the status machine and turns, and a 20-round agent-vs-merchant negotiation.
/// The agent party is a key with agent:negotiate; the merchant the tenant's full-access key.
/// </summary>
public sealed class NegotiationTests(NegotiationTests.Api api) : IClassFixture<NegotiationTests.Api>
{
    public sealed class Api() : WebhookApi;

    private static async Task<string> AgentKeyAsync(TestTenant tenant) => await tenant.KeyAsync(["agent:negotiate", "deals:read"]);

    [Fact]
    public async Task The_documents_negotiation_examples_run_as_written()
    {
        var tenant = await api.NewTenantAsync();
        var agent = await AgentKeyAsync(tenant);
        var (deal, _, _) = await tenant.DealInProgressAsync();
        var swaps = new Dictionary<string, string> { ["deal_abc123"] = deal };
        var http = api.CreateClient();

        var (empty, emptyBody) = await DocCurl.RunAsync(http, agent, DocSnippets.NegotiationHistory, swaps);
        Assert.Equal(HttpStatusCode.OK, empty.StatusCode);
        Assert.Equal(0, emptyBody.GetProperty("data").GetProperty("total_rounds").GetInt32());
        Assert.Equal(["propose"], emptyBody.GetProperty("data").GetProperty("next_actions").EnumerateArray().Select(a => a.GetString()));

        var (proposed, proposedBody) = await DocCurl.RunAsync(http, agent, DocSnippets.Propose, swaps);
        Assert.True(proposed.StatusCode == HttpStatusCode.Created, proposedBody.ToString());
        Assert.Equal("proposed", proposedBody.GetProperty("data").Str("status"));
        Assert.Equal("merchant", proposedBody.GetProperty("data").Str("awaiting"));

        var (countered, counteredBody) = await DocCurl.RunAsync(http, tenant.Key, DocSnippets.Counter, swaps);
        Assert.True(countered.StatusCode == HttpStatusCode.OK, counteredBody.ToString());
        Assert.Equal("counter_proposed", counteredBody.GetProperty("data").Str("status"));

        var (suggested, suggestedBody) = await DocCurl.RunAsync(http, agent, DocSnippets.Suggest, swaps);
        Assert.True(suggested.StatusCode == HttpStatusCode.OK, suggestedBody.ToString());
        var suggestions = suggestedBody.GetProperty("data").GetProperty("suggestions").EnumerateArray().ToList();
        Assert.Equal(["balanced", "aggressive"], suggestions.Select(s => s.Str("strategy")));
        Assert.Equal("net_30", suggestions[0].GetProperty("proposed_terms").Str("payment_terms"));
        Assert.Equal("insufficient", suggestedBody.GetProperty("data").GetProperty("data_quality").Str("confidence_level"));
        Assert.Single(await tenant.EventsAsync("negotiation.suggestion_generated", deal));

        var (history, historyBody) = await DocCurl.RunAsync(http, tenant.Key, DocSnippets.NegotiationHistory, swaps);
        Assert.Equal(HttpStatusCode.OK, history.StatusCode);
        var data = historyBody.GetProperty("data");
        Assert.Equal(2, data.GetProperty("total_rounds").GetInt32());
        var rounds = data.GetProperty("rounds").EnumerateArray().ToList();
        Assert.Equal(["proposal", "counter"], rounds.Select(r => r.Str("type")));
        Assert.Equal(["agent", "merchant"], rounds.Select(r => r.Str("proposed_by")));
        Assert.Equal(DateTimeOffset.Parse("2026-03-19T00:00:00Z"), rounds[0].GetProperty("expires_at").GetDateTimeOffset());
        Assert.Equal(rounds[1].GetProperty("created_at").GetDateTimeOffset().AddDays(7), rounds[1].GetProperty("expires_at").GetDateTimeOffset());
        Assert.Equal("We can offer 10% with net-15 terms", rounds[1].Str("message"));

        var (accepted, acceptedBody) = await DocCurl.RunAsync(http, agent, DocSnippets.Accept, swaps);
        Assert.True(accepted.StatusCode == HttpStatusCode.OK, acceptedBody.ToString());
        Assert.Equal("accepted", acceptedBody.GetProperty("data").Str("status"));
        var dealView = acceptedBody.GetProperty("data").GetProperty("deal");
        Assert.Equal("net_15", dealView.GetProperty("terms").Str("payment_terms"));
        Assert.Equal(10m, dealView.GetProperty("terms").GetProperty("discount_percent").GetDecimal());
        // 99.00 less 10% = 89.10, plus 10% tax = 98.01.
        Assert.Equal("98.01", dealView.Str("total"));

        var acceptedEvent = Assert.Single(await tenant.EventsAsync("negotiation.accepted", deal)).GetProperty("data");
        Assert.Equal(2, acceptedEvent.GetProperty("total_rounds").GetInt32());
        Assert.Equal("agent", acceptedEvent.Str("accepted_by"));
        Assert.Equal("net_15", acceptedEvent.GetProperty("final_terms").Str("payment_terms"));
        var countedEvent = Assert.Single(await tenant.EventsAsync("negotiation.countered", deal)).GetProperty("data");
        Assert.Equal(15, countedEvent.GetProperty("previous_terms").GetProperty("discount_percent").GetInt32());
        Assert.Equal(10, countedEvent.GetProperty("new_terms").GetProperty("discount_percent").GetInt32());
        foreach (var legacy in new[] { "deal.negotiation_proposed", "deal.negotiation_counter_proposed", "deal.negotiation_accepted", "negotiation.proposed" })
        {
            Assert.Single(await tenant.EventsAsync(legacy, deal));
        }

        // The reject example, on a negotiation of its own.
        var (other, _, _) = await tenant.DealInProgressAsync();
        swaps["deal_abc123"] = other;
        await DocCurl.RunAsync(http, agent, DocSnippets.Propose, swaps);
        var (rejected, rejectedBody) = await DocCurl.RunAsync(http, tenant.Key, DocSnippets.Reject, swaps);
        Assert.True(rejected.StatusCode == HttpStatusCode.OK, rejectedBody.ToString());
        Assert.Equal("rejected", rejectedBody.GetProperty("data").Str("status"));
        Assert.Equal("Terms do not meet minimum margin requirements", rejectedBody.GetProperty("data").Str("reject_reason"));
        Assert.Equal("Terms do not meet minimum margin requirements",
            Assert.Single(await tenant.EventsAsync("negotiation.rejected", other)).GetProperty("data").Str("reason"));
        Assert.Single(await tenant.EventsAsync("deal.negotiation_rejected", other));

        // The terms schema, public and cacheable.
        var (schema, schemaBody) = await DocCurl.RunAsync(http, "unused", DocSnippets.DealTermsSchema, swaps);
        Assert.Equal(HttpStatusCode.OK, schema.StatusCode);
        Assert.Equal("DealTerms", schemaBody.GetProperty("data").Str("title"));
        Assert.Contains("max-age", schema.Headers.CacheControl?.ToString());
        var properties = schemaBody.GetProperty("data").GetProperty("properties");
        Assert.Equal(100, properties.GetProperty("discount_percent").GetProperty("maximum").GetInt32());
    }

    [Fact]
    public async Task The_status_machine_and_turns_are_enforced_with_409_and_the_allowed_next_steps()
    {
        var tenant = await api.NewTenantAsync();
        var agent = api.CreateClient().WithKey(await AgentKeyAsync(tenant));
        var merchant = tenant.Http;
        var (deal, _, _) = await tenant.DealInProgressAsync();
        string Url(string action) => $"/v1/deal-negotiations?action={action}&deal_id={deal}";

        var (counterFirst, counterFirstBody) = await agent.SendJsonAsync(HttpMethod.Post, Url("counter"), """{"proposed_terms":{"discount_percent":5}}""");
        Assert.Equal(HttpStatusCode.Conflict, counterFirst.StatusCode);
        Assert.Equal("conflict.invalid_negotiation_state", counterFirstBody.Code());
        Assert.Equal(["propose"], counterFirstBody.GetProperty("details").GetProperty("allowed_actions").EnumerateArray().Select(a => a.GetString()));

        // Terms are checked against the deal-terms schema (the same one set-terms uses) and against the deal.
        var (badTerms, badTermsBody) = await agent.SendJsonAsync(HttpMethod.Post, Url("propose"), """{"proposed_terms":{"discount_percent":150}}""");
        Assert.Equal(HttpStatusCode.BadRequest, badTerms.StatusCode);
        Assert.Equal("invalid", badTermsBody.FieldCode("proposed_terms.discount_percent"));
        var (badSetTerms, badSetTermsBody) = await tenant.SendAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=set-terms",
            """{"terms":{"terms_schema_version":"1.0","payment_terms":"net_30","discount_percent":150}}""");
        Assert.Equal(HttpStatusCode.BadRequest, badSetTerms.StatusCode);
        Assert.Equal("invalid", badSetTermsBody.FieldCode("terms.discount_percent"));
        var (past, pastBody) = await agent.SendJsonAsync(HttpMethod.Post, Url("propose"),
            """{"proposed_terms":{"discount_percent":5},"expires_at":"2020-01-01T00:00:00Z"}""");
        Assert.Equal(HttpStatusCode.BadRequest, past.StatusCode);
        Assert.Equal("in_past", pastBody.FieldCode("expires_at"));
        var (emptyTerms, _) = await agent.SendJsonAsync(HttpMethod.Post, Url("propose"), """{"proposed_terms":{}}""");
        Assert.Equal(HttpStatusCode.BadRequest, emptyTerms.StatusCode);

        // action and deal_id may come in the body, as the field table lists them.
        var (proposed, _) = await agent.SendJsonAsync(HttpMethod.Post, "/v1/deal-negotiations",
            $$$"""{"action":"propose","deal_id":"{{{deal}}}","proposed_terms":{"discount_percent":12}}""");
        Assert.Equal(HttpStatusCode.Created, proposed.StatusCode);

        var (again, againBody) = await merchant.SendJsonAsync(HttpMethod.Post, Url("propose"), """{"proposed_terms":{"discount_percent":5}}""");
        Assert.Equal("conflict.invalid_negotiation_state", againBody.Code());
        Assert.Equal(["counter", "accept", "reject"], againBody.GetProperty("details").GetProperty("allowed_actions").EnumerateArray().Select(a => a.GetString()));
        var (own, ownBody) = await agent.SendJsonAsync(HttpMethod.Post, Url("accept"), "{}");
        Assert.Equal(HttpStatusCode.Conflict, own.StatusCode);
        Assert.Equal("conflict.cannot_accept_own_proposal", ownBody.Code());
        Assert.Equal("merchant", ownBody.GetProperty("details").Str("awaiting"));
        var (twice, twiceBody) = await agent.SendJsonAsync(HttpMethod.Post, Url("counter"), """{"proposed_terms":{"discount_percent":11}}""");
        Assert.Equal("conflict.negotiation_turn", twiceBody.Code());
        var (selfReject, selfRejectBody) = await agent.SendJsonAsync(HttpMethod.Post, Url("reject"), "{}");
        Assert.Equal("conflict.negotiation_turn", selfRejectBody.Code());

        await merchant.SendJsonAsync(HttpMethod.Post, Url("reject"), """{"reason":"no"}""");
        var (afterEnd, afterEndBody) = await merchant.SendJsonAsync(HttpMethod.Post, Url("counter"), """{"proposed_terms":{"discount_percent":5}}""");
        Assert.Equal(HttpStatusCode.Conflict, afterEnd.StatusCode);
        Assert.Equal("rejected", afterEndBody.GetProperty("details").Str("status"));
        Assert.Empty(afterEndBody.GetProperty("details").GetProperty("allowed_actions").EnumerateArray());

        // Writes need agent:negotiate; history needs deals:read.
        var readOnly = api.CreateClient().WithKey(await tenant.KeyAsync(["deals:read"]));
        var (denied, _) = await readOnly.SendJsonAsync(HttpMethod.Post, Url("suggest"), "{}");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        var (read, _) = await readOnly.SendJsonAsync(HttpMethod.Get, $"/v1/deal-negotiations?deal_id={deal}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        // Another tenant does not see the deal.
        var stranger = await api.NewTenantAsync();
        var (foreign, _) = await stranger.SendAsync(HttpMethod.Get, $"/v1/deal-negotiations?deal_id={deal}");
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
    }

    [Fact]
    public async Task Twenty_rounds_agent_versus_merchant_end_in_acceptance_that_sets_the_deal_and_verifies_after_re_signing()
    {
        var tenant = await api.NewTenantAsync();
        var agent = api.CreateClient().WithKey(await AgentKeyAsync(tenant));
        var merchant = tenant.Http;
        var (deal, customer, _) = await tenant.DealInProgressAsync();
        await tenant.SignBothAsync(deal, customer);
        string Url(string action) => $"/v1/deal-negotiations?action={action}&deal_id={deal}";
        using var countered = new MeasurementCounter("salesbooth.negotiation.steps", "negotiation.step", "countered");
        using var acceptances = new MeasurementCounter("salesbooth.negotiation.steps", "negotiation.step", "accepted");

        for (var round = 1; round <= 20; round++)
        {
            var party = round % 2 == 1 ? agent : merchant;
            var offer = JsonSerializer.Serialize(new { discount_percent = 20 - round * 0.5m, quantity = 10 + round, payment_terms = round % 2 == 0 ? "net_15" : "net_30" });
            var (response, body) = await party.SendJsonAsync(HttpMethod.Post, Url(round == 1 ? "propose" : "counter"),
                $$"""{"proposed_terms":{{offer}},"message":"round {{round}}"}""");
            Assert.True(response.IsSuccessStatusCode, $"round {round}: {body}");
            Assert.Equal(round, body.GetProperty("data").GetProperty("total_rounds").GetInt32());
        }

        // The final terms change what was signed: the deal must be unsigned before they can be accepted.
        var (signed, signedBody) = await agent.SendJsonAsync(HttpMethod.Post, Url("accept"), "{}");
        Assert.Equal(HttpStatusCode.Conflict, signed.StatusCode);
        Assert.Equal("conflict.deal_signed", signedBody.Code());
        await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=unsign", """{"reason":"renegotiated"}""");
        var (accepted, acceptedBody) = await agent.SendJsonAsync(HttpMethod.Post, Url("accept"), "{}");
        Assert.True(accepted.StatusCode == HttpStatusCode.OK, acceptedBody.ToString());

        // Round 20 (merchant): 10% off 30 × 99.00 = 2,673.00, plus 10% tax = 2,940.30.
        var (_, dealBody) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?id={deal}");
        var view = dealBody.GetProperty("data").GetProperty("deal");
        Assert.Equal("2940.30", view.Str("total"));
        Assert.Equal(30, view.GetProperty("line_items")[0].GetProperty("quantity").GetInt32());
        var terms = view.GetProperty("terms");
        Assert.Equal(10m, terms.GetProperty("discount_percent").GetDecimal());
        Assert.Equal(30, terms.GetProperty("quantity").GetInt32());
        Assert.Equal("net_15", terms.Str("payment_terms"));
        Assert.Equal("1.0", terms.Str("terms_schema_version"));
        var negotiated = Assert.Single(view.GetProperty("discounts").EnumerateArray());
        Assert.Equal("negotiated", negotiated.Str("code"));

        var (_, history) = await merchant.SendJsonAsync(HttpMethod.Get, $"/v1/deal-negotiations?deal_id={deal}");
        Assert.Equal(20, history.GetProperty("data").GetProperty("total_rounds").GetInt32());
        Assert.Equal("accepted", history.GetProperty("data").Str("status"));
        Assert.Equal(19, (await tenant.EventsAsync("negotiation.countered", deal)).Count);
        Assert.Equal(19, (await tenant.EventsAsync("deal.negotiation_counter_proposed", deal)).Count);
        Assert.Equal(20, Assert.Single(await tenant.EventsAsync("negotiation.accepted", deal)).GetProperty("data").GetProperty("total_rounds").GetInt32());
        Assert.Single(await tenant.AuditActionsAsync(deal), a => a == "deal.negotiation_accepted");
        Assert.True(countered.Total >= 19, "the 19 counter rounds are counted on salesbooth.negotiation.steps");
        Assert.True(acceptances.Total >= 1, "the acceptance is counted on salesbooth.negotiation.steps");

        // Re-signed, the accepted terms are part of what public verification checks.
        await tenant.SignBothAsync(deal, customer);
        var (_, verify) = await api.CreateClient().SendJsonAsync(HttpMethod.Get, $"/v1/deals/verify?id={deal}");
        var verification = verify.GetProperty("data").GetProperty("verification");
        Assert.Equal("verified", verification.Str("status"));
        Assert.True(verification.GetProperty("deal_hash").GetProperty("matches").GetBoolean());
        var (_, audit) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?id={deal}&action=verify_audit");
        Assert.Equal("verified", audit.GetProperty("data").Str("status"));
    }
}
