using System.Net;
using System.Text.Json;
using Tests.Emails;
using Tests.Infrastructure;

namespace Tests.Campaigns;

/// <summary>SAM's <c>/api/campaigns</c> forms: its field names and body-addressed actions on the same campaigns as <c>/v1</c>.</summary>
public sealed class SamCampaignApiTests(CampaignApi api) : IClassFixture<CampaignApi>
{
    [Fact]
    public async Task A_SAM_campaign_is_created_edited_run_and_listed_through_the_api_routes_on_the_one_model()
    {
        var tenant = await api.NewTenantAsync();
        var created = await tenant.Sam(HttpMethod.Post, "/api/campaigns", """
            {"campaign_name":"Q4 Sales Outreach","campaign_type":"connection_request","linkedin_account_id":"uuid-of-account",
             "message_templates":{"connection_request":"Hi {first_name}, I'd like to connect!","follow_up_1":"Following up on my earlier request...",
               "follow_up_2":"Checking in again...","follow_up_3":"Last attempt to connect...","follow_up_4":null,"follow_up_5":null,
               "goodbye_message":"All the best!"},
             "scheduled_at":"2026-03-05T15:00:00Z"}
            """, HttpStatusCode.Created);
        var id = created.Str("id");
        Assert.Equal((tenant.TenantId, "Q4 Sales Outreach", "draft"), (created.Str("workspace_id"), created.Str("campaign_name"), created.Str("status")));
        var steps = (await tenant.GetObject($"/v1/campaigns/{id}")).GetProperty("steps").EnumerateArray()
            .Select(s => (s.Str("type"), s.GetProperty("delay_days").GetInt32(), s.Str("message"))).ToList();
        Assert.Equal([("linkedin_connection_request", 0, "Hi {first_name}, I'd like to connect!"), ("linkedin_message", 3, "Following up on my earlier request..."),
            ("linkedin_message", 3, "Checking in again..."), ("linkedin_message", 3, "Last attempt to connect..."), ("linkedin_message", 3, "All the best!")], steps);

        var updated = await tenant.Sam(HttpMethod.Put, $"/api/campaigns/{id}",
            """{"campaign_name":"Q4 Sales Outreach - Updated","message_templates":{"connection_request":"New message here...","follow_up_3":null}}""");
        Assert.Equal("Q4 Sales Outreach - Updated", updated.Str("campaign_name"));
        var templates = updated.GetProperty("message_templates");
        Assert.Equal(("New message here...", "Following up on my earlier request...", "All the best!"),
            (templates.Str("connection_request"), templates.Str("follow_up_1"), templates.Str("goodbye_message")));
        Assert.Equal(JsonValueKind.Null, templates.GetProperty("follow_up_3").ValueKind);

        var contact = await tenant.NewContact("https://www.linkedin.com/in/jo-doe");
        await tenant.SendAsync(HttpMethod.Post, $"/v1/campaigns/{id}/contacts", $$"""{"contact_ids":["{{contact}}"]}""");
        // The document's curl: {"campaign_id": ...} alone.
        Assert.Equal("active", (await tenant.Sam(HttpMethod.Post, "/api/campaigns/activate", $$"""{"campaign_id":"{{id}}"}""")).Str("status"));
        await api.RunAt(tenant, id, api.Time.GetUtcNow());
        var requested = Assert.Single(await tenant.Events("linkedin.send_requested"));
        Assert.Equal(("New message here...", "uuid-of-account"), (requested.Str("message"), requested.Str("linkedin_account_id")));
        await tenant.SendAsync(HttpMethod.Post, $"/v1/campaigns/{id}/linkedin-reports", $$"""{"contact_id":"{{contact}}","step":1,"status":"sent"}""");

        var detail = await tenant.Sam(HttpMethod.Get, $"/api/campaigns/{id}");
        Assert.Equal(("uuid-of-account", "connection_request"), (detail.GetProperty("linkedin_account").Str("id"), detail.Str("campaign_type")));
        Assert.Equal((1, 1), (detail.GetProperty("metrics").GetProperty("total_prospects").GetInt32(), detail.GetProperty("metrics").GetProperty("contacted").GetInt32()));
        var list = await tenant.Sam(HttpMethod.Get, "/api/campaigns?status=active&limit=50&offset=0");
        var item = Assert.Single(list.GetProperty("campaigns").EnumerateArray());
        Assert.Equal((id, 1, 1), (item.Str("id"), item.GetProperty("prospect_count").GetInt32(), item.GetProperty("contacted_count").GetInt32()));
        Assert.Equal((1, 0), (list.GetProperty("total").GetInt32(), list.GetProperty("page").GetInt32()));

        Assert.Equal("paused", (await tenant.Sam(HttpMethod.Post, "/api/campaigns/pause", $$"""{"campaign_id":"{{id}}"}""")).Str("status"));
        var scheduled = await tenant.Sam(HttpMethod.Post, "/api/campaigns/schedule",
            $$"""{"campaign_id":"{{id}}","scheduled_start":"2026-04-01T09:00:00Z","scheduled_end":"2026-04-15T17:00:00Z"}""");
        Assert.Equal(DateTimeOffset.Parse("2026-04-15T17:00:00Z"), scheduled.GetProperty("scheduled_end").GetDateTimeOffset());
        var clone = await tenant.Sam(HttpMethod.Post, "/api/campaigns/clone",
            $$"""{"source_campaign_id":"{{id}}","new_campaign_name":"Cloned Campaign"}""", HttpStatusCode.Created);
        Assert.Equal(("Cloned Campaign", "draft", "New message here..."),
            (clone.Str("campaign_name"), clone.Str("status"), clone.GetProperty("message_templates").Str("connection_request")));
        Assert.Equal(2, (await tenant.Sam(HttpMethod.Get, "/api/campaigns")).GetProperty("total").GetInt32());

        var clonedId = clone.Str("id");
        Assert.True((await tenant.Sam(HttpMethod.Delete, $"/api/campaigns/{clonedId}")).GetProperty("deleted").GetBoolean());
        var (gone, _) = await tenant.SendAsync(HttpMethod.Get, $"/api/campaigns/{clonedId}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Bad_SAM_bodies_are_400s_naming_the_field_and_another_tenants_campaign_is_a_404()
    {
        var tenant = await api.NewTenantAsync();
        var other = await api.NewTenantAsync();
        var id = (await tenant.Sam(HttpMethod.Post, "/api/campaigns", """{"campaign_name":"Mine"}""", HttpStatusCode.Created)).Str("id");

        Assert.Equal("required", (await tenant.Sam(HttpMethod.Post, "/api/campaigns", """{"campaign_type":"connection_request"}""",
            HttpStatusCode.BadRequest)).FieldCode("campaign_name"));
        Assert.Equal("invalid", (await tenant.Sam(HttpMethod.Post, "/api/campaigns", """{"campaign_name":"x","campaign_type":"fax"}""",
            HttpStatusCode.BadRequest)).FieldCode("campaign_type"));
        Assert.Equal("too_long", (await tenant.Sam(HttpMethod.Put, $"/api/campaigns/{id}",
            $$$"""{"message_templates":{"follow_up_1":"{{{new string('x', 8001)}}}"}}""", HttpStatusCode.BadRequest)).FieldCode("message_templates.follow_up_1"));
        Assert.Equal("required", (await tenant.Sam(HttpMethod.Post, "/api/campaigns/activate", "{}", HttpStatusCode.BadRequest)).FieldCode("campaign_id"));
        // Without its connection request step (removed by PUT) there is no step: SAM's activate gets the same rule as /v1.
        await tenant.Sam(HttpMethod.Put, $"/api/campaigns/{id}", """{"message_templates":{"connection_request":null}}""");
        Assert.Equal("conflict.campaign_has_no_steps",
            (await tenant.Sam(HttpMethod.Post, "/api/campaigns/activate", $$"""{"campaign_id":"{{id}}"}""", HttpStatusCode.Conflict)).Str("code"));

        await other.Sam(HttpMethod.Get, $"/api/campaigns/{id}", expected: HttpStatusCode.NotFound);
        await other.Sam(HttpMethod.Post, "/api/campaigns/pause", $$"""{"campaign_id":"{{id}}"}""", HttpStatusCode.NotFound);
        await other.Sam(HttpMethod.Post, "/api/campaigns/clone", $$"""{"source_campaign_id":"{{id}}"}""", HttpStatusCode.NotFound);
        Assert.Equal(0, (await other.Sam(HttpMethod.Get, "/api/campaigns")).GetProperty("total").GetInt32());
        Assert.Equal(0, (await other.Sam(HttpMethod.Get, $"/api/campaigns?workspace_id={tenant.TenantId}")).GetProperty("total").GetInt32());
        Assert.Equal(1, (await tenant.Sam(HttpMethod.Get, $"/api/campaigns?workspace_id={tenant.TenantId}")).GetProperty("total").GetInt32());
    }
}

public static class SamSteps
{
    /// <summary>Calls a SAM route and returns <c>data</c> (or the error envelope when the status is not 2xx).</summary>
    public static async Task<JsonElement> Sam(this TestTenant tenant, HttpMethod method, string url, string? json = null,
        HttpStatusCode expected = HttpStatusCode.OK)
    {
        var (response, body) = await tenant.SendAsync(method, url, json);
        Assert.True(response.StatusCode == expected, $"{method} {url}: {(int)response.StatusCode} {body}");
        return (int)expected < 300 ? body.GetProperty("data") : body;
    }
}
