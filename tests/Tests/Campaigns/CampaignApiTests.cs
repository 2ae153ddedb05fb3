using System.Net;
using System.Text.Json;
using Tests.Emails;
using Tests.Infrastructure;

namespace Tests.Campaigns;

/// <summary>The campaign resource through the HTTP pipeline: validation, CRUD, lifecycle conflicts, clone, LinkedIn reports.</summary>
public sealed class CampaignApiTests(CampaignApi api) : IClassFixture<CampaignApi>
{
    [Fact]
    public async Task A_campaign_round_trips_and_bad_definitions_are_400s_naming_the_field()
    {
        var tenant = await api.NewTenantAsync();
        var template = await tenant.Template("Hi", "Hello {{first_name}}");

        var (badType, badTypeBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/campaigns", """{"name":"x","steps":[{"type":"fax"}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, badType.StatusCode);
        Assert.Equal("invalid", badTypeBody.FieldCode("steps[0].type"));
        var (noTemplate, noTemplateBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/campaigns",
            """{"name":"x","steps":[{"type":"email","template_id":"tpl_000000000000000000000000"}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, noTemplate.StatusCode);
        Assert.Equal("not_found", noTemplateBody.FieldCode("steps[0].template_id"));
        var (zone, zoneBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/campaigns", """{"name":"x","time_zone":"Mars/Olympus"}""");
        Assert.Equal(HttpStatusCode.BadRequest, zone.StatusCode);
        Assert.Equal("invalid", zoneBody.FieldCode("time_zone"));
        var (window, windowBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/campaigns", """{"name":"x","send_window":{"start":"17:00","end":"09:00"}}""");
        Assert.Equal(HttpStatusCode.BadRequest, window.StatusCode);
        Assert.Equal("invalid", windowBody.FieldCode("send_window.end"));
        Assert.Equal(0, (await List(tenant, "")).GetArrayLength()); // nothing half-made

        var id = await tenant.Campaign($$"""
            {"name":"Q1 outreach","description":"SDR","time_zone":"Europe/Berlin","max_sends_per_day":50,
             "send_window":{"days":["mon","tue","wed","thu","fri"],"start":"09:00","end":"17:30"},
             "steps":[{"type":"email","template_id":"{{template}}"},{"type":"wait","delay_days":1},
                      {"type":"linkedin_message","delay_days":2,"message":"Hi {first_name}"},{"type":"task","delay_hours":4,"name":"Call"}]}
            """);
        var campaign = await tenant.GetObject($"/v1/campaigns/{id}");
        Assert.Equal("draft", campaign.Str("status"));
        Assert.Equal("campaign", campaign.Str("kind"));
        Assert.Equal(["mon", "tue", "wed", "thu", "fri"], campaign.GetProperty("send_window").GetProperty("days").EnumerateArray().Select(d => d.GetString()));
        Assert.Equal("17:30", campaign.GetProperty("send_window").Str("end"));
        Assert.Equal(50, campaign.GetProperty("schedule").GetProperty("max_sends_per_day").GetInt32());
        Assert.Equal([1, 2, 3, 4], campaign.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("order").GetInt32()));
        Assert.Equal(0, campaign.GetProperty("metrics").GetProperty("total_prospects").GetInt32());

        var (patched, patchBody) = await tenant.SendAsync(HttpMethod.Patch, $"/v1/campaigns/{id}", """{"name":"Q1 outreach v2","max_sends_per_day":null}""", "W/\"1\"");
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var v2 = patchBody.GetProperty("data").GetProperty("campaign");
        Assert.Equal("Q1 outreach v2", v2.Str("name"));
        Assert.Equal(JsonValueKind.Null, v2.GetProperty("schedule").GetProperty("max_sends_per_day").ValueKind);
        var (stale, _) = await tenant.SendAsync(HttpMethod.Patch, $"/v1/campaigns/{id}", """{"name":"late"}""", "W/\"1\"");
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);

        await tenant.Action(id, "pause", HttpStatusCode.Conflict); // a draft cannot pause
        await tenant.Action(id, "activate");
        Assert.Single((await List(tenant, "?status=active")).EnumerateArray());
        var (deleteActive, deleteBody) = await tenant.SendAsync(HttpMethod.Delete, $"/v1/campaigns/{id}");
        Assert.Equal(HttpStatusCode.Conflict, deleteActive.StatusCode);
        Assert.Equal("conflict.campaign_active", deleteBody.Str("code"));

        var (cloned, cloneBody) = await tenant.SendAsync(HttpMethod.Post, $"/api/v1/campaigns/{id}/clone", """{"name":"Q2 outreach"}""");
        Assert.Equal(HttpStatusCode.Created, cloned.StatusCode);
        var copy = cloneBody.GetProperty("data").GetProperty("campaign");
        Assert.Equal(("draft", "Q2 outreach", id), (copy.Str("status"), copy.Str("name"), copy.Str("cloned_from")));
        Assert.Equal(4, copy.GetProperty("steps").GetArrayLength());

        var empty = await tenant.Campaign("""{"name":"No steps"}""");
        var conflict = await tenant.Action(empty, "activate", HttpStatusCode.Conflict);
        Assert.Equal("conflict.campaign_has_no_steps", conflict.Str("code"));
        var (deleted, _) = await tenant.SendAsync(HttpMethod.Delete, $"/v1/campaigns/{empty}");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        var (gone, _) = await tenant.SendAsync(HttpMethod.Get, $"/v1/campaigns/{empty}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(2, (await List(tenant, "")).GetArrayLength());
    }

    [Fact]
    public async Task LinkedIn_steps_are_requested_as_events_and_the_executors_reports_drive_the_metrics_and_stop_on_reply()
    {
        var tenant = await api.NewTenantAsync();
        var campaign = await tenant.Campaign("""
            {"name":"LinkedIn","steps":[{"type":"linkedin_connection_request","message":"Hi {first_name}, let's connect"},
                                        {"type":"linkedin_message","delay_days":3,"message":"Thanks {{first_name}}"}]}
            """);
        var contact = await tenant.NewContact("https://www.linkedin.com/in/jo-doe");
        var noLinkedin = await tenant.NewContact();
        await tenant.SendAsync(HttpMethod.Post, $"/v1/campaigns/{campaign}/contacts", $$"""{"contact_ids":["{{contact}}","{{noLinkedin}}"]}""");
        await tenant.Action(campaign, "activate");
        await api.RunAt(tenant, campaign, api.Time.GetUtcNow());

        var requested = Assert.Single(await tenant.Events("linkedin.send_requested"));
        Assert.Equal(("linkedin_connection_request", "Hi Jo, let's connect", "https://www.linkedin.com/in/jo-doe", 0),
            (requested.Str("action"), requested.Str("message"), requested.Str("linkedin_url"), requested.GetProperty("step").GetInt32()));
        Assert.Equal("skipped", (await tenant.Enrolment(campaign, noLinkedin)).GetProperty("sends")[0].Str("outcome"));

        async Task<JsonElement> Report(string status)
        {
            var (response, body) = await tenant.SendAsync(HttpMethod.Post, $"/v1/campaigns/{campaign}/linkedin-reports",
                $$"""{"contact_id":"{{contact}}","step":1,"status":"{{status}}"}""");
            Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
            return body.GetProperty("data").GetProperty("enrolment");
        }
        await Report("sent");
        await Report("sent"); // a repeated report counts once
        Assert.True((await Report("connected")).GetProperty("connected").GetBoolean());
        var metrics = await tenant.Metrics(campaign);
        Assert.Equal((1, 1, 0), (metrics.GetProperty("contacted").GetInt32(), metrics.GetProperty("connected").GetInt32(), metrics.GetProperty("replied").GetInt32()));
        Assert.Equal(1, metrics.GetProperty("steps")[0].GetProperty("sent").GetInt32());

        var replied = await Report("replied");
        Assert.Equal(("stopped", "replied"), (replied.Str("status"), replied.Str("stop_reason")));
        await api.RunAt(tenant, campaign, api.Time.GetUtcNow() + TimeSpan.FromDays(4));
        Assert.Single(await tenant.Events("linkedin.send_requested")); // no follow-up after the reply
        metrics = await tenant.Metrics(campaign);
        Assert.Equal(1m, metrics.GetProperty("success_rate").GetDecimal());

        var (badStep, badStepBody) = await tenant.SendAsync(HttpMethod.Post, $"/v1/campaigns/{campaign}/linkedin-reports",
            $$"""{"contact_id":"{{noLinkedin}}","step":2,"status":"sent"}""");
        Assert.Equal(HttpStatusCode.Conflict, badStep.StatusCode);
        Assert.Equal("conflict.step_not_awaiting_report", badStepBody.Str("code"));
        var (badStatus, badStatusBody) = await tenant.SendAsync(HttpMethod.Post, $"/v1/campaigns/{campaign}/linkedin-reports",
            $$"""{"contact_id":"{{contact}}","step":1,"status":"liked"}""");
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
        Assert.Equal("invalid", badStatusBody.FieldCode("status"));
    }

    [Fact]
    public async Task Manual_removal_stops_a_contact_and_an_unknown_enrolment_is_a_404()
    {
        var tenant = await api.NewTenantAsync();
        var campaign = await tenant.Campaign("""{"name":"Tasks","steps":[{"type":"task","delay_days":1,"name":"Call"}]}""");
        var contact = await tenant.NewContact();
        var (created, body) = await tenant.SendAsync(HttpMethod.Post, $"/v1/contacts/{contact}/sequence", $$"""{"sequence_id":"{{campaign}}"}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.StartsWith("con_seq_", body.GetProperty("data").GetProperty("enrolment").Str("id"));
        var (again, _) = await tenant.SendAsync(HttpMethod.Post, $"/v1/contacts/{contact}/sequence", $$"""{"sequence_id":"{{campaign}}"}""");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);

        var (removed, removedBody) = await tenant.SendAsync(HttpMethod.Delete, $"/v1/campaigns/{campaign}/contacts/{contact}?reason=meeting_booked");
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.Equal("meeting_booked", removedBody.GetProperty("data").GetProperty("enrolment").Str("stop_reason"));
        await tenant.Action(campaign, "activate");
        await api.RunAt(tenant, campaign, api.Time.GetUtcNow() + TimeSpan.FromDays(2));
        Assert.Empty(await tenant.Events("campaign.task_due"));

        var (unknown, _) = await tenant.SendAsync(HttpMethod.Get, $"/v1/campaigns/{campaign}/contacts/{await tenant.NewContact()}");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var (noSequence, noSequenceBody) = await tenant.SendAsync(HttpMethod.Post, $"/v1/contacts/{contact}/sequence", """{"sequence_id":"seq_abc"}""");
        Assert.Equal(HttpStatusCode.BadRequest, noSequence.StatusCode);
        Assert.Equal("not_found", noSequenceBody.FieldCode("sequence_id"));
    }

    private static async Task<JsonElement> List(TestTenant tenant, string query)
    {
        var (response, body) = await tenant.SendAsync(HttpMethod.Get, $"/v1/campaigns{query}");
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return body.GetProperty("data").GetProperty("campaigns");
    }
}
