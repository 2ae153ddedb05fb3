using System.Net;
using Grains.Deals;
using Grains.Interfaces.Deals;
using Microsoft.Extensions.DependencyInjection;
using Tests.Customers;
using Tests.Infrastructure;

namespace Tests.Deals;

/// <summary>Escrow on the deal grain through the API: the document's examples, the state machine's rules, expiry by reminder.</summary>
public sealed class EscrowTests(EscrowTests.Api api) : IClassFixture<EscrowTests.Api>
{
    public sealed class Api() : WebhookApi;

    [Fact]
    public async Task The_documents_escrow_examples_run_as_written_and_release_closes_the_deal()
    {
        var tenant = await api.NewTenantAsync();
        var (deal, _) = await tenant.DealPendingPaymentAsync();
        var swaps = new Dictionary<string, string> { ["deal_xxxxx"] = deal };
        var http = api.CreateClient();
        var now = api.Time.GetUtcNow();

        var (created, createdBody) = await DocCurl.RunAsync(http, tenant.Key, DocSnippets.Escrow, swaps);
        Assert.True(created.StatusCode == HttpStatusCode.Created, createdBody.ToString());
        var escrow = createdBody.GetProperty("data").GetProperty("escrow");
        Assert.StartsWith("escrow_", escrow.Str("id"));
        Assert.Equal("held", escrow.Str("status"));
        Assert.Equal("108.90", escrow.GetProperty("amount").Amount());
        Assert.Equal("USD", escrow.Str("currency"));
        Assert.Equal(now.AddSeconds(1_209_600), escrow.GetProperty("expires_at").GetDateTimeOffset());
        var conditions = escrow.GetProperty("conditions").EnumerateArray().ToList();
        Assert.Equal(["delivery", "approval"], conditions.Select(c => c.Str("type")));
        Assert.All(conditions, c => Assert.StartsWith("cond_", c.Str("id")));
        Assert.True(conditions[0].GetProperty("config").GetProperty("tracking_required").GetBoolean());

        swaps["cond_yyyyy"] = conditions[0].Str("id");
        var (fulfilled, fulfilledBody) = await DocCurl.RunAsync(http, tenant.Key, DocSnippets.FulfillCondition, swaps);
        Assert.True(fulfilled.StatusCode == HttpStatusCode.OK, fulfilledBody.ToString());
        var met = fulfilledBody.GetProperty("data").GetProperty("escrow").GetProperty("conditions")[0];
        Assert.Equal("met", met.Str("status"));
        Assert.Equal("logistics_system", met.Str("met_by"));

        // Not every condition is met yet: release is refused and nothing changes.
        var (early, earlyBody) = await DocCurl.RunAsync(http, tenant.Key, DocSnippets.ReleaseEscrow, swaps);
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Equal("conflict.escrow_conditions_unmet", earlyBody.Code());
        Assert.Equal(conditions[1].Str("id"), earlyBody.GetProperty("details").GetProperty("pending_conditions")[0].Str("id"));

        swaps["cond_yyyyy"] = conditions[1].Str("id");
        await DocCurl.RunAsync(http, tenant.Key, DocSnippets.FulfillCondition, swaps);
        var (released, releasedBody) = await DocCurl.RunAsync(http, tenant.Key, DocSnippets.ReleaseEscrow, swaps);
        Assert.True(released.StatusCode == HttpStatusCode.OK, releasedBody.ToString());
        Assert.Equal("released", releasedBody.GetProperty("data").GetProperty("escrow").Str("status"));
        Assert.Equal("closed", releasedBody.GetProperty("data").GetProperty("deal").Str("status"));

        var (_, shown) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?id={deal}&action=escrow");
        var view = shown.GetProperty("data").GetProperty("escrow");
        Assert.Equal("released", view.Str("status"));
        Assert.Equal(["escrow.created", "escrow.condition_fulfilled", "escrow.condition_fulfilled", "escrow.released"],
            view.GetProperty("timeline").EnumerateArray().Select(s => s.Str("event")));
        Assert.All(view.GetProperty("conditions").EnumerateArray(), c => Assert.Equal("met", c.Str("status")));

        Assert.Single(await tenant.EventsAsync("escrow.created", deal));
        Assert.Equal(2, (await tenant.EventsAsync("escrow.condition_fulfilled", deal)).Count);
        Assert.Equal("108.90", Assert.Single(await tenant.EventsAsync("escrow.released", deal)).GetProperty("data").Str("amount"));
        Assert.Single(await tenant.EventsAsync("deal.closed", deal));
        var audit = await tenant.AuditActionsAsync(deal);
        Assert.Equal(["escrow.created", "escrow.condition_fulfilled", "escrow.condition_fulfilled", "escrow.released"],
            audit.Where(a => a.StartsWith("escrow.", StringComparison.Ordinal)));

        // The refund example, on a deal of its own: the hold is cancelled, the deal stays payable.
        var (other, _) = await tenant.DealPendingPaymentAsync();
        swaps["deal_xxxxx"] = other;
        await DocCurl.RunAsync(http, tenant.Key, DocSnippets.Escrow, swaps);
        var (refunded, refundedBody) = await DocCurl.RunAsync(http, tenant.Key, DocSnippets.RefundEscrow, swaps);
        Assert.True(refunded.StatusCode == HttpStatusCode.OK, refundedBody.ToString());
        Assert.Equal("refunded", refundedBody.GetProperty("data").GetProperty("escrow").Str("status"));
        Assert.Equal("condition_failed", refundedBody.GetProperty("data").GetProperty("escrow").Str("refund_reason"));
        Assert.Equal("pending_payment", refundedBody.GetProperty("data").GetProperty("deal").Str("status"));
        Assert.Equal("condition_failed", Assert.Single(await tenant.EventsAsync("escrow.refunded", other)).GetProperty("data").Str("reason"));
    }

    [Fact]
    public async Task Escrow_is_held_only_from_pending_payment_one_at_a_time_never_above_the_total_and_blocks_closing()
    {
        var tenant = await api.NewTenantAsync();
        var (working, _, _) = await tenant.DealInProgressAsync();
        var (early, earlyBody) = await tenant.SendAsync(HttpMethod.Post, $"/v1/deals?id={working}&action=escrow",
            """{"conditions":[{"type":"delivery"}]}""");
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Equal("conflict.invalid_transition", earlyBody.Code());

        var (deal, _) = await tenant.DealPendingPaymentAsync();
        var (tooMuch, tooMuchBody) = await tenant.SendAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=escrow",
            """{"conditions":[{"type":"delivery"}],"amount":108.91}""");
        Assert.Equal(HttpStatusCode.BadRequest, tooMuch.StatusCode);
        Assert.Equal("exceeds_total", tooMuchBody.FieldCode("amount"));
        var (none, noneBody) = await tenant.SendAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=escrow", """{"conditions":[]}""");
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
        Assert.Equal("invalid_type", noneBody.FieldCode("conditions"));
        var (otherCurrency, otherCurrencyBody) = await tenant.SendAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=escrow",
            """{"conditions":[{"type":"delivery"}],"currency":"EUR"}""");
        Assert.Equal(HttpStatusCode.BadRequest, otherCurrency.StatusCode);
        Assert.Equal("currency_mismatch", otherCurrencyBody.FieldCode("currency"));
        var (_, missing) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?id={deal}&action=escrow");
        Assert.Equal("not_found", missing.Code());

        var part = await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=escrow",
            """{"conditions":[{"type":"delivery"},{"type":"customs_cleared","config":{"port":"Sydney"}}],"amount":50}""",
            expected: HttpStatusCode.Created);
        Assert.Equal("50.00", part.GetProperty("escrow").GetProperty("amount").Amount());
        Assert.Equal("customs_cleared", part.GetProperty("escrow").GetProperty("conditions")[1].Str("type"));

        var (second, secondBody) = await tenant.SendAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=escrow",
            """{"conditions":[{"type":"delivery"}]}""");
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal(["no_held_escrow"], secondBody.GetProperty("details").GetProperty("unmet_conditions").EnumerateArray().Select(c => c.GetString()));
        foreach (var url in new[] { $"/v1/deals?id={deal}&action=transition&status=closed", $"/v1/deals?id={deal}&action=unsign" })
        {
            var (blocked, blockedBody) = await tenant.SendAsync(HttpMethod.Post, url, "{}");
            Assert.Equal(HttpStatusCode.Conflict, blocked.StatusCode);
            Assert.Equal("conflict.transition_conditions_unmet", blockedBody.Code());
        }
        var (badReason, badReasonBody) = await tenant.SendAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=refund_escrow", """{"reason":"changed_mind"}""");
        Assert.Equal(HttpStatusCode.BadRequest, badReason.StatusCode);
        Assert.Equal("reason", badReasonBody.GetProperty("details").GetProperty("fields").EnumerateObject().Single().Name);
        var (unknown, _) = await tenant.SendAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=fulfill_condition", """{"condition_id":"cond_nope"}""");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        var (_, valid) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals/{deal}/valid-transitions");
        var transitions = valid.GetProperty("data").GetProperty("transitions").EnumerateArray().ToList();
        var release = transitions.Single(t => t.GetProperty("action").Str("endpoint").EndsWith("action=release_escrow", StringComparison.Ordinal));
        Assert.Equal("closed", release.Str("target"));
        Assert.False(release.GetProperty("available").GetBoolean());
        Assert.DoesNotContain(transitions, t => t.GetProperty("action").Str("endpoint").Contains("escrow_expiry", StringComparison.Ordinal));
        var (_, schema) = await api.CreateClient().SendJsonAsync(HttpMethod.Get, "/v1/schema/state-machine?entity=deals");
        var rows = schema.GetProperty("data").GetProperty("deals").GetProperty("transitions").EnumerateArray().ToList();
        Assert.Contains(rows, t => t.Str("from") == "pending_payment" && t.Str("to") == "pending_payment" && t.Str("action") == "escrow");
        Assert.Contains(rows, t => t.Str("to") == "closed" && t.Str("action") == "release_escrow");
        Assert.Contains(rows, t => t.Str("to") == "expired" && t.Str("action") == "escrow_expiry");

        // After a refund a new escrow may be held.
        await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=refund_escrow");
        await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=escrow", """{"conditions":[{"type":"approval"}]}""",
            expected: HttpStatusCode.Created);
    }

    [Fact]
    public async Task An_unreleased_escrow_expires_exactly_at_seven_days_once_even_if_the_reminder_ticks_twice()
    {
        var tenant = await api.NewTenantAsync();
        var (deal, _) = await tenant.DealPendingPaymentAsync();
        await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=escrow", """{"conditions":[{"type":"delivery"}]}""",
            expected: HttpStatusCode.Created);
        var reminders = api.Services.GetRequiredService<IReminderTable>();
        var grainId = api.Grains.GetGrain<IDealGrain>(DealKeys.Grain(tenant.Partition, deal)).GetGrainId();
        Assert.NotNull(await reminders.ReadRow(grainId, DealGrain.DeadlineReminder));
        using var expiries = new MeasurementCounter("salesbooth.escrow.expiries");

        api.Time.Advance(TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        await api.TickAsync(tenant, deal);
        var (_, before) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?id={deal}&action=escrow");
        Assert.Equal("held", before.GetProperty("data").GetProperty("escrow").Str("status"));
        Assert.Empty(await tenant.EventsAsync("escrow.refunded", deal));

        api.Time.Advance(TimeSpan.FromSeconds(1));
        await api.TickAsync(tenant, deal);
        await api.TickAsync(tenant, deal);

        var (_, after) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?id={deal}&action=escrow");
        var escrow = after.GetProperty("data").GetProperty("escrow");
        Assert.Equal("refunded", escrow.Str("status"));
        Assert.Equal("expired", escrow.Str("refund_reason"));
        Assert.Equal(escrow.GetProperty("expires_at").GetDateTimeOffset(), escrow.GetProperty("refunded_at").GetDateTimeOffset());
        var (_, dealBody) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?id={deal}");
        Assert.Equal("expired", dealBody.GetProperty("data").GetProperty("deal").Str("status"));
        Assert.Equal("expired", Assert.Single(await tenant.EventsAsync("escrow.refunded", deal)).GetProperty("data").Str("reason"));
        Assert.Single(await tenant.EventsAsync("deal.expired", deal));
        Assert.Single(await tenant.AuditActionsAsync(deal), a => a == "escrow.refunded");
        Assert.Null(await reminders.ReadRow(grainId, DealGrain.DeadlineReminder));
        Assert.True(expiries.Total >= 1, "the expiry is counted on salesbooth.escrow.expiries");
    }

    [Fact]
    public async Task A_release_racing_the_expiry_leaves_one_outcome_decided_by_the_clock()
    {
        var tenant = await api.NewTenantAsync();
        async Task<string> Releasable()
        {
            var (deal, _) = await tenant.DealPendingPaymentAsync();
            var created = await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=escrow",
                """{"conditions":[{"type":"approval"}],"expires_in":3600}""", expected: HttpStatusCode.Created);
            var condition = created.GetProperty("escrow").GetProperty("conditions")[0].Str("id");
            await tenant.DealAsync(HttpMethod.Post, $"/v1/deals?id={deal}&action=fulfill_condition", $$"""{"condition_id":"{{condition}}"}""");
            return deal;
        }
        var beforeDue = await Releasable();
        var atDue = await Releasable();

        // One second before expires_at the release wins, whichever call the grain takes first; the tick finds nothing due.
        api.Time.Advance(TimeSpan.FromSeconds(3599));
        var release = tenant.SendAsync(HttpMethod.Post, $"/v1/deals?id={beforeDue}&action=release_escrow");
        await Task.WhenAll(release, api.TickAsync(tenant, beforeDue));
        Assert.Equal(HttpStatusCode.OK, (await release).Response.StatusCode);

        // From expires_at on the expiry wins: the release is refused whichever comes first, and the deal is expired.
        api.Time.Advance(TimeSpan.FromSeconds(1));
        var late = tenant.SendAsync(HttpMethod.Post, $"/v1/deals?id={atDue}&action=release_escrow");
        await Task.WhenAll(late, api.TickAsync(tenant, atDue), api.TickAsync(tenant, beforeDue));
        var (lateResponse, lateBody) = await late;
        Assert.Equal(HttpStatusCode.Conflict, lateResponse.StatusCode);
        Assert.Equal("conflict.escrow_not_held", lateBody.Code());
        Assert.Equal("expired", lateBody.GetProperty("details").Str("refund_reason"));

        foreach (var (deal, escrowStatus, dealStatus) in new[] { (beforeDue, "released", "closed"), (atDue, "refunded", "expired") })
        {
            var (_, escrow) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?id={deal}&action=escrow");
            Assert.Equal(escrowStatus, escrow.GetProperty("data").GetProperty("escrow").Str("status"));
            var (_, body) = await tenant.SendAsync(HttpMethod.Get, $"/v1/deals?id={deal}");
            Assert.Equal(dealStatus, body.GetProperty("data").GetProperty("deal").Str("status"));
            var released = (await tenant.EventsAsync("escrow.released", deal)).Count;
            var refunded = (await tenant.EventsAsync("escrow.refunded", deal)).Count;
            Assert.Equal(1, released + refunded);
        }
    }
}
