using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Tests.Emails;
using Tests.Infrastructure;

namespace Tests.Campaigns;

/// <summary>4Runr's <c>GET /v1/analytics/campaigns</c> and <c>GET /v1/automation/status</c> from the shards' real work.</summary>
public sealed class CampaignAnalyticsTests(CampaignApi api) : IClassFixture<CampaignApi>
{
    [Fact]
    public async Task Campaign_analytics_lists_each_campaigns_metrics_for_the_tenant_only()
    {
        var tenant = await api.NewTenantAsync();
        await tenant.UseEventChannel();
        var template = await tenant.Template("Hi", "Hello {{first_name}}");
        var sent = await tenant.Campaign($$"""{"name":"Sent","steps":[{"type":"email","template_id":"{{template}}"}]}""");
        var idle = await tenant.Campaign("""{"name":"Idle","kind":"sequence"}""");
        var contact = await tenant.NewContact();
        await tenant.SendAsync(HttpMethod.Post, $"/v1/campaigns/{sent}/contacts", $$"""{"contact_ids":["{{contact}}"]}""");
        await tenant.Action(sent, "activate");
        await api.RunAt(tenant, sent, api.Time.GetUtcNow());
        var other = await api.NewTenantAsync();
        await other.Campaign("""{"name":"Theirs"}""");

        var campaigns = (await Analytics(tenant, "")).GetProperty("campaigns").EnumerateArray().ToDictionary(c => c.Str("campaign_id"));
        Assert.Equal(new[] { idle, sent }.Order(), campaigns.Keys.Order());
        var metrics = campaigns[sent].GetProperty("metrics");
        Assert.Equal((1, 1, 0), (metrics.GetProperty("total_prospects").GetInt32(), metrics.GetProperty("contacted").GetInt32(),
            metrics.GetProperty("replied").GetInt32()));
        Assert.Equal(1, metrics.GetProperty("steps")[0].GetProperty("sent").GetInt32());
        Assert.Equal(0, campaigns[idle].GetProperty("metrics").GetProperty("total_prospects").GetInt32());
        Assert.Equal([sent], (await Analytics(tenant, "?status=active")).GetProperty("campaigns").EnumerateArray().Select(c => c.Str("campaign_id")));
        Assert.Single((await Analytics(other, "")).GetProperty("campaigns").EnumerateArray());
    }

    [Fact]
    public async Task Automation_status_counts_the_shards_dispatch_cycles_and_shows_the_next_due_step()
    {
        var tenant = await api.NewTenantAsync();
        await tenant.UseEventChannel();
        var idle = await Status(tenant, _ => true);
        Assert.Equal(("idle", 0), (idle.Str("automation_engine"), idle.GetProperty("cycles_completed").GetInt32()));
        Assert.Equal(JsonValueKind.Null, idle.GetProperty("next_cycle").ValueKind);

        var template = await tenant.Template("Hi", "Hello {{first_name}}");
        var campaign = await tenant.Campaign($$"""
            {"name":"Two","steps":[{"type":"email","template_id":"{{template}}"},{"type":"email","delay_days":2,"template_id":"{{template}}"}]}
            """);
        await tenant.SendAsync(HttpMethod.Post, $"/v1/campaigns/{campaign}/contacts", $$"""{"contact_ids":["{{await tenant.NewContact()}}"]}""");
        var start = api.Time.GetUtcNow();
        await tenant.Action(campaign, "activate");
        // The shard's own timer (due now) or this run dispatches the first step: one cycle either way.
        await api.RunAt(tenant, campaign, start);
        var ran = await Status(tenant, s => s.GetProperty("cycles_completed").GetInt32() == 1 && s.Str("automation_engine") == "running");
        Assert.Equal(start, ran.GetProperty("last_cycle").GetDateTimeOffset());
        Assert.Equal(start + TimeSpan.FromDays(2), ran.GetProperty("next_cycle").GetDateTimeOffset());
        Assert.Equal(1, ran.GetProperty("steps_dispatched").GetInt32());
        Assert.EndsWith("s", ran.Str("average_cycle_time"));

        await tenant.Action(campaign, "pause");
        var paused = await Status(tenant, s => s.Str("automation_engine") == "idle");
        Assert.Equal(JsonValueKind.Null, paused.GetProperty("next_cycle").ValueKind);
        Assert.Equal(1, paused.GetProperty("cycles_completed").GetInt32());
    }

    [Fact]
    public async Task Automation_trigger_runs_the_due_work_of_waiting_shards_now_and_answers_enrich_leads_as_skipped()
    {
        var tenant = await api.NewTenantAsync();
        await tenant.UseEventChannel();
        var template = await tenant.Template("Hi", "Hello {{first_name}}");
        var campaign = await tenant.Campaign($$"""
            {"name":"Two","steps":[{"type":"email","template_id":"{{template}}"},{"type":"email","delay_days":2,"template_id":"{{template}}"}]}
            """);
        var contact = await tenant.NewContact();
        await tenant.SendAsync(HttpMethod.Post, $"/v1/campaigns/{campaign}/contacts", $$"""{"contact_ids":["{{contact}}"]}""");
        var start = api.Time.GetUtcNow();
        await tenant.Action(campaign, "activate");
        await api.RunAt(tenant, campaign, start);
        await Status(tenant, s => s.GetProperty("next_cycle").ValueKind == JsonValueKind.String
            && s.GetProperty("next_cycle").GetDateTimeOffset() == start + TimeSpan.FromDays(2));

        var early = await Trigger(tenant, """{"operation":"run_campaigns"}""");
        Assert.Equal((0, 0), (early.GetProperty("shards_run").GetInt32(), early.GetProperty("steps_dispatched").GetInt32())); // nothing due yet
        Assert.Single(await tenant.SentAt(campaign, contact));

        var forced = await Trigger(tenant, """{"operation":"run_campaigns","parameters":{"limit":10,"force":true}}""");
        Assert.Equal(("run_campaigns", "completed"), (forced.Str("operation"), forced.Str("status")));
        Assert.Equal((1, 0), (forced.GetProperty("shards_run").GetInt32(), forced.GetProperty("steps_dispatched").GetInt32())); // woken, nothing due
        Assert.Single(await tenant.SentAt(campaign, contact));

        // Due now: the trigger runs it unless the shard's own timer got there first; either way it goes out once.
        api.Time.SetUtcNow(start + TimeSpan.FromDays(2));
        var run = await Trigger(tenant, """{"operation":"run_campaigns","parameters":{"limit":10,"force":false}}""");
        Assert.InRange(run.GetProperty("steps_dispatched").GetInt32(), 0, 1);
        Assert.Equal(2, (await tenant.SentAt(campaign, contact)).Count);

        // 4Runr's example body, as written.
        var enrich = await Trigger(tenant, """{"operation":"enrich_leads","parameters":{"limit":10,"force":false}}""");
        Assert.Equal(("enrich_leads", "skipped"), (enrich.Str("operation"), enrich.Str("status")));
        var (bad, error) = await tenant.SendAsync(HttpMethod.Post, "/v1/automation/trigger", """{"operation":"sync_airtable"}""");
        Assert.True(bad.StatusCode == HttpStatusCode.BadRequest, error.ToString());
        Assert.Contains("operation", error.GetProperty("details").ToString());
    }

    private static async Task<JsonElement> Trigger(TestTenant tenant, string body)
    {
        var (response, answer) = await tenant.SendAsync(HttpMethod.Post, "/v1/automation/trigger", body);
        Assert.True(response.StatusCode == HttpStatusCode.OK, answer.ToString());
        return answer.GetProperty("data");
    }

    private static async Task<JsonElement> Analytics(TestTenant tenant, string query)
    {
        var (response, body) = await tenant.SendAsync(HttpMethod.Get, $"/v1/analytics/campaigns{query}");
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return body.GetProperty("data");
    }

    /// <summary>
    /// The shards report one-way, so the status is read until it shows the report (real time, a few seconds at most: the
    /// delivery of a message, not business time).
    /// </summary>
    private static async Task<JsonElement> Status(TestTenant tenant, Func<JsonElement, bool> until)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var (response, body) = await tenant.SendAsync(HttpMethod.Get, "/v1/automation/status");
            Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
            var data = body.GetProperty("data");
            if (until(data) || clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                Assert.True(until(data), data.ToString());
                return data;
            }
            await Task.Delay(50);
        }
    }
}
