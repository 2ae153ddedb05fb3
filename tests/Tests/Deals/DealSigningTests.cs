using System.Net;
using System.Text.Json;
using Tests.Infrastructure;

namespace Tests.Deals;

/// <summary>The status machine, signing, unsigning, public verification and the audit chain through the API.</summary>
public sealed class DealSigningTests(DealSigningTests.Api api) : IClassFixture<DealSigningTests.Api>
{
    public sealed class Api() : CatalogueApi;

    [Fact]
    public async Task Illegal_moves_are_409_with_the_allowed_targets_and_the_table_is_published()
    {
        var tenant = await api.NewTenantAsync();
        var draft = (await tenant.DealAsync(HttpMethod.Post, "/v1/deals", """{"title":"Draft"}""", expected: HttpStatusCode.Created))
            .GetProperty("deal").Str("deal_id");
        var (closed, body) = await tenant.SendAsync(HttpMethod.Post, $"/v1/deals?id={draft}&action=transition&status=closed");
        Assert.Equal(HttpStatusCode.Conflict, closed.StatusCode);
        Assert.Equal("conflict.invalid_transition", body.Code());
        var allowed = body.GetProperty("details").GetProperty("allowed").EnumerateArray().Select(a => a.Str("target")).ToList();
        Assert.Equal(["in_progress", "cancelled"], allowed);

        // Conditions: a draft without customer or items cannot start.
        var (unmet, unmetBody) = await tenant.SendAsync(HttpMethod.Post, $"/v1/deals?id={draft}&action=transition&status=in_progress");
        Assert.Equal(HttpStatusCode.Conflict, unmet.StatusCode);
        Assert.Equal("conflict.transition_conditions_unmet", unmetBody.Code());
        Assert.Equal(["has_customer", "has_line_items"],
            unmetBody.GetProperty("details").GetProperty("unmet_conditions").EnumerateArray().Select(c => c.GetString()!).ToList());
        var (bad, _) = await tenant.SendAsync(HttpMethod.Post, $"/v1/deals?id={draft}&action=transition&status=draft");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        var (_, valid) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals/{draft}/valid-transitions");
        var transitions = valid.GetProperty("data").GetProperty("transitions").EnumerateArray().ToList();
        var start = transitions.Single(t => t.Str("target") == "in_progress");
        Assert.False(start.GetProperty("available").GetBoolean());
        Assert.Equal($"/api/v1/deals?id={draft}&action=transition&status=in_progress", start.GetProperty("action").Str("endpoint"));
        Assert.True(transitions.Single(t => t.Str("target") == "cancelled").GetProperty("available").GetBoolean());

        // Public, no key.
        var anonymous = api.CreateClient();
        var (schema, schemaBody) = await anonymous.SendJsonAsync(HttpMethod.Get, "/v1/schema/state-machine?entity=deals");
        Assert.Equal(HttpStatusCode.OK, schema.StatusCode);
        var deals = schemaBody.GetProperty("data").GetProperty("deals");
        Assert.Equal(9, deals.GetProperty("states").GetArrayLength());
        Assert.Contains(deals.GetProperty("transitions").EnumerateArray(),
            t => t.Str("from") == "in_progress" && t.Str("to") == "pending_signature" && t.Str("action") == "transition");
    }

    [Fact]
    public async Task Two_signatures_move_the_deal_to_pending_payment_and_verify_publicly_then_closing_freezes_it()
    {
        var tenant = await api.NewTenantAsync();
        var (id, customer, product) = await tenant.DealInProgressAsync();
        await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={id}&action=set-terms", """
            {"terms": {"terms_schema_version": "1.0", "payment_terms": {"type": "net", "due_date": "2026-04-30"}}}
            """);
        var (_, unsignedBody) = await api.CreateClient().SendJsonAsync(HttpMethod.Get, $"/v1/deals/verify?id={id}");
        Assert.Equal("unsigned", unsignedBody.GetProperty("data").GetProperty("verification").Str("status"));

        var seller = await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={id}&action=sign", """{"consent_to_sign": true}""");
        Assert.Equal("awaiting_signatures", seller.GetProperty("deal").Str("status"));
        var signature = seller.GetProperty("deal").GetProperty("signatures")[0];
        Assert.Equal("ed25519", signature.Str("signature_algorithm"));
        Assert.Equal("click-to-sign", signature.Str("signature_method"));

        var (noConsent, noConsentBody) = await tenant.SendAsync(HttpMethod.Post, $"/v1/deals?id={id}&action=sign",
            $$"""{"signer_type":"customer","signer_id":"{{customer}}"}""");
        Assert.Equal(HttpStatusCode.BadRequest, noConsent.StatusCode);
        Assert.Equal("required", noConsentBody.FieldCode("consent_to_sign"));
        var (twice, twiceBody) = await tenant.SendAsync(HttpMethod.Post, $"/v1/deals?id={id}&action=sign", """{"consent_to_sign": true}""");
        Assert.Equal("conflict.already_signed", twiceBody.Code());

        // Signed content is frozen until unsigned.
        var (edit, editBody) = await tenant.SendAsync(HttpMethod.Post, $"/v1/deals?id={id}&action=add_item",
            $$"""{"product_id":"{{product}}","name":"Extra","unit_price":1}""");
        Assert.Equal(HttpStatusCode.Conflict, edit.StatusCode);
        Assert.Equal("conflict.deal_signed", editBody.Code());

        var buyer = await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={id}&action=sign",
            $$"""{"signer_type":"customer","signer_id":"{{customer}}","signer_customer_id":"{{customer}}","consent_to_sign":true}""");
        Assert.Equal("pending_payment", buyer.GetProperty("deal").Str("status"));

        var (_, verify) = await api.CreateClient().SendJsonAsync(HttpMethod.Get, $"/v1/deals/verify?id={id}");
        var verification = verify.GetProperty("data").GetProperty("verification");
        Assert.Equal("verified", verification.Str("status"));
        Assert.True(verification.GetProperty("deal_hash").GetProperty("matches").GetBoolean());
        Assert.True(verification.GetProperty("signature").GetProperty("valid").GetBoolean());
        Assert.Equal(signature.Str("signature_hash"), verification.GetProperty("deal_hash").Str("stored"));

        var (_, certificate) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?id={id}&action=signing_certificate");
        var cert = certificate.GetProperty("data");
        Assert.Equal("1.0", cert.Str("certificate_version"));
        Assert.Equal(2, cert.GetProperty("signers").GetArrayLength());
        Assert.Equal("verified", cert.GetProperty("hash_chain_verification").Str("status"));

        // Unsign (allowed until closed), sign again, close: then every change is refused.
        var unsigned = await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={id}&action=unsign", """{"reason": "Terms need revision"}""");
        Assert.Equal("pending_signature", unsigned.GetProperty("deal").Str("status"));
        Assert.Empty(unsigned.GetProperty("deal").GetProperty("signatures").EnumerateArray());
        await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={id}&action=sign", """{"consent_to_sign": true}""");
        await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={id}&action=sign",
            $$"""{"signer_type":"customer","signer_id":"{{customer}}","consent_to_sign":true}""");
        var closedDeal = await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={id}&action=transition&status=closed");
        Assert.Equal("closed", closedDeal.GetProperty("deal").Str("status"));
        foreach (var (method, url, json) in new[]
        {
            (HttpMethod.Post, $"/v1/deals?id={id}&action=unsign", "{}"),
            (HttpMethod.Post, $"/v1/deals?id={id}&action=apply_discount", """{"type":"fixed","value":1}"""),
            (HttpMethod.Post, $"/v1/deals?id={id}&action=transition&status=cancelled", "{}"),
        })
        {
            var (response, refused) = await tenant.SendAsync(method, url, json);
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            Assert.Equal("conflict.deal_already_closed", refused.Code());
        }

        var (_, log) = await tenant.SendAsync(HttpMethod.Get, "/v1/webhooks/events?limit=100");
        var types = log.GetProperty("data").GetProperty("events").EnumerateArray().Select(e => e.Str("event_type")).ToList();
        Assert.Contains("deal.signature_added", types);
        Assert.Contains("deal.unsigned", types);
        Assert.Contains("deal.closed", types);
        var change = log.GetProperty("data").GetProperty("events").EnumerateArray()
            .Last(e => e.Str("event_type") == "deal.status_changed").GetProperty("data");
        Assert.Equal("pending_payment", change.Str("previous_status"));
        Assert.Equal("closed", change.Str("new_status"));

        var (_, audit) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?id={id}&action=verify_audit");
        Assert.Equal("verified", audit.GetProperty("data").Str("status"));
        var (_, trail) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?id={id}&action=audit&limit=100");
        var entries = trail.GetProperty("data").GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(audit.GetProperty("data").GetProperty("total_entries").GetInt32(), entries.Count);
        for (var i = 1; i < entries.Count; i++)
        {
            Assert.Equal(entries[i - 1].Str("entry_hash"), entries[i].Str("previous_hash"));
        }
    }

    [Fact]
    public async Task Terms_are_validated_read_back_and_compared()
    {
        var tenant = await api.NewTenantAsync();
        var (first, _, _) = await tenant.DealInProgressAsync();
        var (second, _, _) = await tenant.DealInProgressAsync();
        var (missing, missingBody) = await tenant.SendAsync(HttpMethod.Post, $"/v1/deals?id={first}&action=set-terms",
            """{"terms":{"payment_terms":"net_30"}}""");
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("required", missingBody.FieldCode("terms.terms_schema_version"));
        await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={first}&action=set-terms",
            """{"terms":{"terms_schema_version":"1.0","payment_terms":"net_30","delivery_method":"digital","warranty_months":12}}""");
        await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={second}&action=set-terms",
            """{"terms":{"terms_schema_version":"1.0","payment_terms":"net_60","delivery_method":"digital"}}""");

        var (_, terms) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?id={first}&action=terms");
        Assert.Equal("1.0", terms.GetProperty("data").Str("terms_schema_version"));
        Assert.Equal("net_30", terms.GetProperty("data").GetProperty("terms").Str("payment_terms"));
        var (_, compare) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?action=compare-terms&deal_id_1={first}&deal_id_2={second}");
        var fields = compare.GetProperty("data").GetProperty("differences").EnumerateArray().Select(d => d.Str("field")).ToList();
        Assert.Equal(["payment_terms", "warranty_months"], fields);
    }

    [Fact]
    public async Task Partial_accept_keeps_the_accepted_items_and_creates_a_deal_for_the_rest()
    {
        var tenant = await api.NewTenantAsync();
        var (id, customer, product) = await tenant.DealInProgressAsync();
        var more = await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={id}&action=add_item",
            $$"""{"product_id":"{{product}}","name":"Add-on","unit_price":10.00,"quantity":2}""");
        var items = more.GetProperty("deal").GetProperty("line_items").EnumerateArray().Select(i => i.Str("id")).ToList();
        var result = await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={id}&action=partial_accept",
            $$"""{"accepted_items":["{{items[0]}}"],"rejected_items":["{{items[1]}}"],"create_declined_deal":true}""");
        Assert.Equal("partially_accepted", result.GetProperty("deal").Str("status"));
        Assert.Equal(items[0], Assert.Single(result.GetProperty("deal").GetProperty("line_items").EnumerateArray()).Str("id"));
        var declined = result.GetProperty("declined_deal");
        Assert.Equal("draft", declined.Str("status"));
        Assert.Equal(customer, declined.Str("customer_id"));
        Assert.Equal("Add-on", Assert.Single(declined.GetProperty("line_items").EnumerateArray()).Str("name"));
        Assert.Equal("20.00", declined.GetProperty("pricing").GetProperty("subtotal").Amount());
        var (_, log) = await tenant.SendAsync(HttpMethod.Get, "/v1/webhooks/events?event_type=deal.partially_accepted");
        var evt = Assert.Single(log.GetProperty("data").GetProperty("events").EnumerateArray());
        Assert.Contains(id, evt.GetRawText(), StringComparison.Ordinal);

        var (unknown, unknownBody) = await tenant.SendAsync(HttpMethod.Post, $"/v1/deals?id={declined.Str("deal_id")}&action=partial_accept",
            """{"accepted_items":["item_000000000000000000000000"]}""");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal("unknown_item", unknownBody.FieldCode("accepted_items"));

        var outcome = await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={id}&action=record-outcome",
            """{"reason": "lost", "notes": "Went with competitor on price", "competitor_name": "CompetitorCo"}""");
        Assert.Equal("CompetitorCo", outcome.GetProperty("deal").GetProperty("outcome").Str("competitor_name"));
    }

    [Fact]
    public async Task Create_configured_matches_the_customer_by_email_needs_agent_execute_and_dry_run_creates_nothing()
    {
        var tenant = await api.NewTenantAsync();
        var existing = await tenant.CustomerAsync("jane@example.com");
        var product = await tenant.ProductAsync("Professional Plan", 499.00m);
        var body = $$"""
            {
            "customer": {"name": "Jane Smith", "email": "JANE@example.com", "company": "Acme Corp"},
            "items": [{"product_id": "{{product}}", "name": "Professional Plan", "quantity": 1, "unit_price": 499.00}],
            "discounts": [{"type": "percentage", "value": 10, "code": "first_year"}],
            "currency": "USD"
            }
            """;
        var writer = api.CreateClient().WithKey(await tenant.KeyAsync(["deals:write"]));
        var (refused, refusedBody) = await writer.SendJsonAsync(HttpMethod.Post, "/v1/deals?action=create-configured", body);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("authorization_error.insufficient_scope", refusedBody.Code());

        var agent = api.CreateClient().WithKey(await tenant.KeyAsync(["agent:execute"]));
        var dry = body.Replace("\"currency\": \"USD\"", "\"currency\": \"USD\", \"dry_run\": true");
        var (dryResponse, dryBody) = await agent.SendJsonAsync(HttpMethod.Post, "/v1/deals?action=create-configured", dry);
        Assert.Equal(HttpStatusCode.OK, dryResponse.StatusCode);
        Assert.Equal("449.10", dryBody.GetProperty("data").GetProperty("deal").GetProperty("pricing").GetProperty("total").Amount());
        var (_, none) = await tenant.SendAsync(HttpMethod.Get, "/v1/deals");
        Assert.Equal(0, none.GetProperty("data").GetProperty("deals").GetArrayLength());

        var (created, createdBody) = await agent.SendJsonAsync(HttpMethod.Post, "/v1/deals?action=create-configured", body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var deal = createdBody.GetProperty("data").GetProperty("deal");
        Assert.Equal(existing, deal.Str("customer_id"));
        Assert.Equal("449.10", deal.GetProperty("pricing").GetProperty("total").Amount());
        Assert.Single(deal.GetProperty("discounts").EnumerateArray());
        var (_, log) = await tenant.SendAsync(HttpMethod.Get, "/v1/webhooks/events?event_type=deal.created_configured");
        Assert.Equal(1, log.GetProperty("data").GetProperty("events").GetArrayLength());

        // A bad item anywhere refuses the whole request: no customer, no deal.
        var (bad, badBody) = await agent.SendJsonAsync(HttpMethod.Post, "/v1/deals?action=create-configured", """
            {"customer": {"name": "New Person", "email": "new@example.com"}, "items": [{"product_id": "prod_000000000000000000000000", "name": "X", "unit_price": 1}]}
            """);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("not_found", badBody.FieldCode("product_id"));
        var (_, customers) = await tenant.SendAsync(HttpMethod.Get, "/v1/customers");
        Assert.Equal(1, customers.GetProperty("data").GetProperty("customers").GetArrayLength());
    }

    [Fact]
    public async Task Export_streams_csv_json_and_jsonl_without_the_envelope_ten_times_an_hour()
    {
        var tenant = await api.NewTenantAsync();
        var (id, _, _) = await tenant.DealInProgressAsync();
        await tenant.DealAsync(HttpMethod.Post, "/v1/deals", """{"title":"Second"}""", expected: HttpStatusCode.Created);
        var http = tenant.Http;

        var csv = await http.GetAsync("/v1/deals?action=export&format=csv&status=in_progress");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Trim().Split('\n');
        Assert.StartsWith("deal_id,title,status", lines[0]);
        Assert.Equal(2, lines.Length);
        Assert.Contains(id, lines[1]);
        Assert.Contains("108.90", lines[1]);

        var json = JsonDocument.Parse(await http.GetStringAsync("/v1/deals?action=export&format=json")).RootElement;
        Assert.Equal(JsonValueKind.Array, json.ValueKind);
        Assert.Equal(2, json.GetArrayLength());
        var jsonl = (await http.GetStringAsync("/v1/deals?action=export&format=jsonl&created_after=2026-01-01")).Trim().Split('\n');
        Assert.Equal(2, jsonl.Length);
        Assert.All(jsonl, line => Assert.True(JsonDocument.Parse(line).RootElement.TryGetProperty("deal_id", out _)));

        for (var i = 4; i <= 10; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v1/deals?action=export&format=jsonl")).StatusCode);
        }
        var (limited, limitedBody) = await http.SendJsonAsync(HttpMethod.Get, "/v1/deals?action=export");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("rate_limited", limitedBody.Code());
    }
}
