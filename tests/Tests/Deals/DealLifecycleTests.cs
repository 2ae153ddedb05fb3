using System.Net;
using Tests.Infrastructure;

namespace Tests.Deals;

/// <summary>The document's deal examples against the embedded API, and the rules around them.</summary>
public sealed class DealLifecycleTests(DealLifecycleTests.Api api) : IClassFixture<DealLifecycleTests.Api>
{
    public sealed class Api() : CatalogueApi;

    [Fact]
    public async Task The_first_integration_flow_prices_99_at_10_percent_tax_to_108_90()
    {
        var tenant = await api.NewTenantAsync();
        var customer = await tenant.CustomerAsync();
        var product = await tenant.ProductAsync();
        var (created, body) = await tenant.SendAsync(HttpMethod.Post, "/v1/deals", $$"""
            {
            "customer_id": "{{customer}}",
            "title": "Enterprise License Deal",
            "currency": "USD",
            "tax_rate": 0.10
            }
            """);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("W/\"1\"", created.ETag());
        var deal = body.GetProperty("data").GetProperty("deal");
        var id = deal.Str("deal_id");
        Assert.Matches("^deal_[0-9a-f]{24}$", id);
        Assert.Equal(1, deal.GetProperty("version").GetInt32());
        Assert.Equal("draft", deal.Str("status"));
        Assert.Equal("0.1000", deal.GetProperty("pricing").Str("tax_rate"));
        Assert.Equal("0.00", deal.GetProperty("pricing").GetProperty("subtotal").Amount());
        Assert.Equal("$0.00", deal.GetProperty("pricing").GetProperty("total").Str("formatted"));
        Assert.Empty(deal.GetProperty("line_items").EnumerateArray());

        var added = await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={id}&action=add_item", $$"""
            {
            "product_id": "{{product}}",
            "name": "Professional Plan",
            "unit_price": 99.00,
            "quantity": 1
            }
            """);
        var pricing = added.GetProperty("deal").GetProperty("pricing");
        Assert.Equal("99.00", pricing.GetProperty("subtotal").Amount());
        Assert.Equal("9.90", pricing.GetProperty("tax").Amount());
        Assert.Equal("108.90", pricing.GetProperty("total").Amount());
        var item = added.GetProperty("deal").GetProperty("line_items")[0];
        Assert.Matches("^item_[0-9a-f]{24}$", item.Str("id"));
        Assert.Equal("99.00", item.Str("line_total"));

        var moved = await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={id}&action=transition&status=in_progress");
        Assert.Equal("in_progress", moved.GetProperty("deal").Str("status"));

        var (read, one) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?id={id}");
        Assert.Equal("W/\"3\"", read.ETag());
        Assert.Equal(1, one.GetProperty("data").GetProperty("deal").GetProperty("line_items").GetArrayLength());

        // The document's PATCH example (If-Match: 3) and its status rule.
        var patched = await tenant.DealAsync(HttpMethod.Patch, $"/v1/deals?id={id}", """
            {
            "currency": "AUD",
            "tax_rate": 0.10,
            "notes": "Updated pricing agreed in call"
            }
            """, ifMatch: "3");
        Assert.Equal("AUD", patched.GetProperty("deal").Str("currency"));
        Assert.Equal("A$108.90", patched.GetProperty("deal").GetProperty("pricing").GetProperty("total").Str("formatted"));
        var (status, statusBody) = await tenant.SendAsync(HttpMethod.Patch, $"/v1/deals?id={id}", """{"status":"closed"}""", "4");
        Assert.Equal(HttpStatusCode.BadRequest, status.StatusCode);
        Assert.Equal("not_patchable", statusBody.FieldCode("status"));
        Assert.Contains("action=transition", statusBody.GetProperty("details").GetProperty("fields").GetProperty("status").Str("message"));
        var (stale, staleBody) = await tenant.SendAsync(HttpMethod.Patch, $"/v1/deals?id={id}", """{"notes":"x"}""", "3");
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal("conflict.stale_version", staleBody.Code());
        var (missing, _) = await tenant.SendAsync(HttpMethod.Patch, $"/v1/deals?id={id}", """{"notes":"x"}""");
        Assert.Equal(HttpStatusCode.PreconditionRequired, missing.StatusCode);
    }

    [Fact]
    public async Task Items_and_discounts_change_the_pricing_and_each_emits_its_event()
    {
        var tenant = await api.NewTenantAsync();
        var (id, _, product) = await tenant.DealInProgressAsync();
        var data = await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={id}&action=add_item",
            $$"""{"product_id":"{{product}}","name":"Seats","unit_price":499.00,"quantity":2}""");
        var itemId = data.GetProperty("deal").GetProperty("line_items")[1].Str("id");
        data = await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={id}&action=update_item&item_id={itemId}", """{"quantity": 3}""");
        Assert.Equal("1596.00", data.GetProperty("deal").GetProperty("pricing").GetProperty("subtotal").Amount());
        data = await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={id}&action=apply_discount",
            """{"type": "percentage", "value": 15, "description": "Loyalty discount"}""");
        data = await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={id}&action=apply_discount",
            """{"type": "fixed", "value": 50, "code": "SAVE50", "description": "Promotional offer"}""");
        var pricing = data.GetProperty("deal").GetProperty("pricing");
        // 1596.00 − (15% = 239.40 + 50.00) = 1306.60; tax 10% = 130.66; total 1437.26.
        Assert.Equal("289.40", pricing.GetProperty("discount_total").Amount());
        Assert.Equal("130.66", pricing.GetProperty("tax").Amount());
        Assert.Equal("1437.26", pricing.GetProperty("total").Amount());

        var version = data.GetProperty("deal").GetProperty("version").GetInt32();
        data = await tenant.DealAsync(HttpMethod.Delete, $"/v1/deals?id={id}&action=remove_item&item_id={itemId}", ifMatch: version.ToString());
        Assert.Single(data.GetProperty("deal").GetProperty("line_items").EnumerateArray());
        var (badQuantity, badBody) = await tenant.SendAsync(HttpMethod.Post, $"/v1/deals?id={id}&action=update_item&item_id={itemId}", """{"quantity":0}""");
        Assert.Equal(HttpStatusCode.BadRequest, badQuantity.StatusCode);
        Assert.Equal("out_of_range", badBody.FieldCode("quantity"));

        var (_, log) = await tenant.SendAsync(HttpMethod.Get, "/v1/webhooks/events?limit=100");
        var types = log.GetProperty("data").GetProperty("events").EnumerateArray().Select(e => e.Str("event_type")).ToList();
        Assert.Contains("deal.created", types);
        Assert.Contains("deal.item_added", types);
        Assert.Contains("deal.item_updated", types);
        Assert.Contains("deal.discount_applied", types);
        Assert.Contains("deal.item_removed", types);
        Assert.Contains("deal.status_changed", types);
    }

    [Fact]
    public async Task Creation_validates_the_customer_the_product_and_the_billing_cycle_rule()
    {
        var tenant = await api.NewTenantAsync();
        var (noTitle, body) = await tenant.SendAsync(HttpMethod.Post, "/v1/deals", """{"currency":"USD"}""");
        Assert.Equal(HttpStatusCode.BadRequest, noTitle.StatusCode);
        Assert.Equal("required", body.FieldCode("title"));
        (_, body) = await tenant.SendAsync(HttpMethod.Post, "/v1/deals", """{"title":"T","customer_id":"cust_000000000000000000000000"}""");
        Assert.Equal("not_found", body.FieldCode("customer_id"));
        (_, body) = await tenant.SendAsync(HttpMethod.Post, "/v1/deals", """{"title":"T","deal_type":"recurring"}""");
        Assert.Equal("required", body.FieldCode("billing_cycle"));
        (_, body) = await tenant.SendAsync(HttpMethod.Post, "/v1/deals", """{"title":"T","deposit_required":-1}""");
        Assert.Equal("out_of_range", body.FieldCode("deposit_required"));
        var taxed = await tenant.DealAsync(HttpMethod.Post, "/v1/deals", """{"title":"T","tax_rate":10}""", expected: HttpStatusCode.Created);
        Assert.Equal("0.1000", taxed.GetProperty("deal").Str("tax_rate"));
        var (validate, validated) = await tenant.SendAsync(HttpMethod.Post, "/v1/deals?validate_only=true", """{"title":"Only checking"}""");
        Assert.Equal(HttpStatusCode.OK, validate.StatusCode);
        Assert.True(validated.GetProperty("data").GetProperty("valid").GetBoolean());

        var id = taxed.GetProperty("deal").Str("deal_id");
        (_, body) = await tenant.SendAsync(HttpMethod.Post, $"/v1/deals?id={id}&action=add_item",
            """{"product_id":"prod_000000000000000000000000","name":"X","unit_price":1}""");
        Assert.Equal("not_found", body.FieldCode("product_id"));
    }

    [Fact]
    public async Task Fifty_concurrent_add_items_are_each_applied_once()
    {
        var tenant = await api.NewTenantAsync();
        var (id, _, product) = await tenant.DealInProgressAsync();
        var http = tenant.Http;
        var adds = Enumerable.Range(0, 50).Select(i => http.SendJsonAsync(HttpMethod.Post, $"/v1/deals?id={id}&action=add_item",
            $$"""{"product_id":"{{product}}","name":"Line {{i}}","unit_price":1.00,"quantity":1}"""));
        var results = await Task.WhenAll(adds);
        Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.Response.StatusCode));
        var (_, body) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?id={id}");
        var deal = body.GetProperty("data").GetProperty("deal");
        Assert.Equal(3 + 50, deal.GetProperty("version").GetInt32());
        Assert.Equal(51, deal.GetProperty("line_items").GetArrayLength());
        Assert.Equal(50, deal.GetProperty("line_items").EnumerateArray().Select(i => i.Str("name")).Where(n => n.StartsWith("Line ")).Distinct().Count());
        Assert.Equal("149.00", deal.GetProperty("pricing").GetProperty("subtotal").Amount());
    }

    [Fact]
    public async Task Delete_cancels_then_hard_deletes_and_lists_filter_from_the_projection()
    {
        var tenant = await api.NewTenantAsync();
        var (id, customer, _) = await tenant.DealInProgressAsync();
        var other = (await tenant.DealAsync(HttpMethod.Post, "/v1/deals", """{"title":"Other draft"}""", expected: HttpStatusCode.Created))
            .GetProperty("deal").Str("deal_id");

        var (_, inProgress) = await tenant.SendAsync(HttpMethod.Get, "/v1/deals?status=in_progress&limit=20");
        Assert.Equal(id, inProgress.GetProperty("data").GetProperty("deals")[0].Str("deal_id"));
        Assert.Equal(1, inProgress.GetProperty("data").GetProperty("deals").GetArrayLength());
        var (_, byCustomer) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?customer_id={customer}");
        Assert.Equal(1, byCustomer.GetProperty("data").GetProperty("deals").GetArrayLength());
        var (_, byValue) = await tenant.SendAsync(HttpMethod.Get, "/v1/deals?min_value=100&max_value=200");
        Assert.Equal(id, Assert.Single(byValue.GetProperty("data").GetProperty("deals").EnumerateArray()).Str("deal_id"));
        var (_, bySearch) = await tenant.SendAsync(HttpMethod.Get, "/v1/deals?search=other");
        Assert.Equal(other, Assert.Single(bySearch.GetProperty("data").GetProperty("deals").EnumerateArray()).Str("deal_id"));
        var (_, minimal) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?id={id}&format=minimal");
        Assert.Equal(["id", "status", "updated_at"], minimal.GetProperty("data").GetProperty("deal").EnumerateObject().Select(p => p.Name).Order());

        var cancelled = await tenant.DealAsync(HttpMethod.Delete, $"/v1/deals?id={id}", ifMatch: "3");
        Assert.Equal("cancelled", cancelled.GetProperty("deal").Str("status"));
        var (changed, changedBody) = await tenant.SendAsync(HttpMethod.Post, $"/v1/deals?id={id}&action=apply_discount", """{"type":"fixed","value":1}""");
        Assert.Equal(HttpStatusCode.Conflict, changed.StatusCode);
        Assert.Equal("conflict.deal_not_editable", changedBody.Code());
        var deleted = await tenant.DealAsync(HttpMethod.Delete, $"/v1/deals?id={id}", ifMatch: "4");
        Assert.True(deleted.GetProperty("deleted").GetBoolean());
        var (gone, _) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?id={id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task A_product_on_an_active_deal_cannot_be_deleted()
    {
        var tenant = await api.NewTenantAsync();
        var (_, _, product) = await tenant.DealInProgressAsync();
        var (response, body) = await tenant.SendAsync(HttpMethod.Delete, $"/v1/products?id={product}", ifMatch: "1");
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("conflict.product_in_use", body.Code());
    }

    [Fact]
    public async Task Deals_of_one_tenant_are_not_found_by_another()
    {
        var owner = await api.NewTenantAsync();
        var other = await api.NewTenantAsync();
        var (id, _, _) = await owner.DealInProgressAsync();
        foreach (var url in new[] { $"/v1/deals?id={id}", $"/v1/deals/{id}/valid-transitions", $"/v1/deals?id={id}&action=audit" })
        {
            var (response, _) = await other.SendAsync(HttpMethod.Get, url);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        var (_, list) = await other.SendAsync(HttpMethod.Get, "/v1/deals");
        Assert.Equal(0, list.GetProperty("data").GetProperty("deals").GetArrayLength());
    }
}
