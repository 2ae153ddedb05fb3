using System.Net;
using System.Text.Json;
using Tests.Emails;
using Tests.Infrastructure;

namespace Tests.Campaigns;

/// <summary>SAM's campaign detail <c>prospects</c>, <c>send-campaign</c> and the conversation of a prospect, on business time.</summary>
public sealed class SamMessageTests(CampaignApi api) : IClassFixture<CampaignApi>
{
    private const string Templates = """
        {"campaign_name":"Q4","message_templates":{"connection_request":"Hi {first_name}","follow_up_1":"Following up...","goodbye_message":"All the best!"}}
        """;

    [Fact]
    public async Task The_campaign_detail_lists_its_prospects_with_SAMs_status_and_when_each_was_contacted()
    {
        var (tenant, id, jo) = await CampaignWithJo();
        api.Time.Advance(TimeSpan.FromSeconds(1));
        var amy = await tenant.NewContact("https://www.linkedin.com/in/amy");
        await tenant.SendAsync(HttpMethod.Post, $"/v1/campaigns/{id}/contacts", $$"""{"contact_ids":["{{amy}}"]}""");

        var pending = (await tenant.Sam(HttpMethod.Get, $"/api/campaigns/{id}")).GetProperty("prospects").EnumerateArray().ToList();
        Assert.Equal([(jo, "Jo", "Doe", "pending"), (amy, "Jo", "Doe", "pending")],
            pending.Select(p => (p.Str("id"), p.Str("first_name"), p.Str("last_name"), p.Str("status"))));
        Assert.All(pending, p => Assert.Equal(JsonValueKind.Null, p.GetProperty("contacted_at").ValueKind));

        await tenant.Sam(HttpMethod.Post, "/api/campaigns/activate", $$"""{"campaign_id":"{{id}}"}""");
        var sentAt = api.Time.GetUtcNow();
        await api.RunAt(tenant, id, sentAt);
        await tenant.SendAsync(HttpMethod.Post, $"/v1/campaigns/{id}/linkedin-reports", $$"""{"contact_id":"{{jo}}","step":1,"status":"connected"}""");

        var detail = await tenant.Sam(HttpMethod.Get, $"/api/campaigns/{id}");
        var prospects = detail.GetProperty("prospects").EnumerateArray().ToList();
        Assert.Equal([(jo, "connected"), (amy, "connection_request_sent")], prospects.Select(p => (p.Str("id"), p.Str("status"))));
        Assert.All(prospects, p => Assert.Equal(sentAt, p.GetProperty("contacted_at").GetDateTimeOffset()));
        Assert.Equal(2, detail.GetProperty("metrics").GetProperty("total_prospects").GetInt32());
    }

    [Fact]
    public async Task Send_campaign_sends_the_prospects_next_step_now_once_and_the_conversation_shows_what_went_out_and_the_reply()
    {
        var (tenant, id, jo) = await CampaignWithJo();
        await tenant.Sam(HttpMethod.Post, "/api/campaigns/activate", $$"""{"campaign_id":"{{id}}"}""");
        var start = api.Time.GetUtcNow();
        await api.RunAt(tenant, id, start); // the connection request

        // The follow-up is due in 3 days; sent now by hand with its own text.
        var now = start + TimeSpan.FromHours(2);
        api.Time.SetUtcNow(now);
        var body = $$"""
            {"campaign_id":"{{id}}","prospect_id":"{{jo}}","message_type":"follow_up_1",
             "personalized_message":"Hi Jo, I'd like to connect and explore sales automation..."}
            """;
        var sent = await tenant.Sam(HttpMethod.Post, "/api/messages/send-campaign", body);
        Assert.Equal(("requested", "follow_up_1", now), (sent.Str("status"), sent.Str("message_type"), sent.GetProperty("sent_at").GetDateTimeOffset()));
        Assert.StartsWith("evt_", sent.Str("message_id"));
        var requested = await tenant.Events("linkedin.send_requested");
        Assert.Equal(2, requested.Count);
        Assert.Equal("Hi Jo, I'd like to connect and explore sales automation...", requested[1].Str("message"));

        var again = await tenant.Sam(HttpMethod.Post, "/api/messages/send-campaign", body, HttpStatusCode.Conflict);
        Assert.Equal("conflict.step_not_next", again.Str("code"));
        var goodbye = await tenant.Sam(HttpMethod.Post, "/v1/messages/send-campaign", $$"""
            {"campaign_id":"{{id}}","prospect_id":"{{jo}}","message_type":"goodbye","personalized_message":"Bye Jo"}
            """);
        Assert.Equal("goodbye", goodbye.Str("message_type"));
        await api.RunAt(tenant, id, start + TimeSpan.FromDays(7));
        Assert.Equal(3, (await tenant.Events("linkedin.send_requested")).Count); // the hand-sent steps do not go out again
        Assert.Equal("completed", (await tenant.Enrolment(id, jo)).Str("status"));

        await tenant.SendAsync(HttpMethod.Post, $"/v1/campaigns/{id}/linkedin-reports", $$"""{"contact_id":"{{jo}}","step":3,"status":"replied"}""");
        foreach (var prefix in new[] { "/api", "/v1" })
        {
            var conversation = await tenant.Sam(HttpMethod.Get, $"{prefix}/messages/conversation/{jo}?campaign_id={id}&limit=50");
            Assert.StartsWith("conv_", conversation.Str("conversation_id"));
            Assert.Equal((jo, "https://www.linkedin.com/in/jo"), (conversation.GetProperty("prospect").Str("id"), conversation.GetProperty("prospect").Str("linkedin_url")));
            var messages = conversation.GetProperty("messages").EnumerateArray().ToList();
            Assert.Equal([("outbound", "connection_request", "Hi Jo"), ("outbound", "follow_up_1", "Hi Jo, I'd like to connect and explore sales automation..."),
                ("outbound", "goodbye", "Bye Jo"), ("inbound", "reply", null)], messages.Select(m => (m.Str("role"), m.Str("type"), m.GetProperty("content").GetString())));
            Assert.Equal(now, messages[1].GetProperty("sent_at").GetDateTimeOffset());
            Assert.Equal(JsonValueKind.String, messages[3].GetProperty("received_at").ValueKind);
            Assert.Equal(2, (await tenant.Sam(HttpMethod.Get, $"{prefix}/messages/conversation/{jo}?campaign_id={id}&limit=2"))
                .GetProperty("messages").GetArrayLength());
        }

        await tenant.Sam(HttpMethod.Get, $"/api/messages/conversation/{jo}", expected: HttpStatusCode.BadRequest); // campaign_id is required
        await tenant.Sam(HttpMethod.Get, $"/api/messages/conversation/{await tenant.NewContact()}?campaign_id={id}", expected: HttpStatusCode.NotFound);
        await tenant.Sam(HttpMethod.Post, "/api/messages/send-campaign", $$"""
            {"campaign_id":"{{id}}","prospect_id":"{{jo}}","message_type":"follow_up_5","personalized_message":"x"}
            """, HttpStatusCode.BadRequest); // the campaign has no follow_up_5
    }

    /// <summary>A new tenant's SAM campaign (connection request, follow-up, goodbye) with one contact, Jo, enrolled.</summary>
    private async Task<(TestTenant Tenant, string Campaign, string Jo)> CampaignWithJo()
    {
        var tenant = await api.NewTenantAsync();
        var id = (await tenant.Sam(HttpMethod.Post, "/api/campaigns", Templates, HttpStatusCode.Created)).Str("id");
        var jo = await tenant.NewContact("https://www.linkedin.com/in/jo");
        await tenant.SendAsync(HttpMethod.Post, $"/v1/campaigns/{id}/contacts", $$"""{"contact_ids":["{{jo}}"]}""");
        return (tenant, id, jo);
    }
}
