using System.Net;
using System.Text.Json;
using Tests.Emails;
using Tests.Infrastructure;

namespace Tests.Campaigns;

/// <summary>SalesOS's <c>POST /v1/sequences</c>: the document's body, on the one campaign model.</summary>
public sealed class SequenceApiTests(CampaignApi api) : IClassFixture<CampaignApi>
{
    [Fact]
    public async Task The_documents_sequence_body_creates_a_sequence_whose_id_enrols_contacts_and_runs_its_steps_in_order()
    {
        var tenant = await api.NewTenantAsync();
        await tenant.UseEventChannel();
        var first = await tenant.Template("Hi", "Hello {{first_name}}");
        var followUp = await tenant.Template("Again", "Following up, {{first_name}}");

        // The document's shape: order, type email|linkedin, delay_days, template_id | message. Given out of order on purpose.
        var (created, body) = await tenant.SendAsync(HttpMethod.Post, "/v1/sequences", $$$"""
            {"name":"7-Touch SDR Campaign","description":"Initial outreach sequence for cold prospects",
             "steps":[{"order":3,"type":"linkedin","delay_days":1,"message":"Hi {{first_name}}, saw your profile..."},
                      {"order":1,"type":"email","delay_days":0,"template_id":"{{{first}}}"},
                      {"order":2,"type":"email","delay_days":3,"template_id":"{{{followUp}}}"}]}
            """);
        Assert.True(created.StatusCode == HttpStatusCode.Created, body.ToString());
        var sequence = body.GetProperty("data");
        var id = sequence.Str("id");
        Assert.StartsWith("cmp_", id);
        Assert.Equal(("7-Touch SDR Campaign", "sequence", "draft"), (sequence.Str("name"), sequence.Str("kind"), sequence.Str("status")));
        Assert.Equal(api.Time.GetUtcNow(), sequence.GetProperty("created_at").GetDateTimeOffset());
        Assert.Equal([(1, "email", 0), (2, "email", 3), (3, "linkedin_message", 1)], sequence.GetProperty("steps").EnumerateArray()
            .Select(s => (s.GetProperty("order").GetInt32(), s.Str("type"), s.GetProperty("delay_days").GetInt32())));
        Assert.Equal("sequence", (await tenant.GetObject($"/v1/campaigns/{id}")).Str("kind"));
        Assert.Single(await tenant.Events("sequence.created"));

        var contact = await tenant.NewContact("https://www.linkedin.com/in/jo-doe");
        var (enrolled, enrolBody) = await tenant.SendAsync(HttpMethod.Post, $"/v1/contacts/{contact}/sequence", $$"""{"sequence_id":"{{id}}"}""");
        Assert.True(enrolled.StatusCode == HttpStatusCode.Created, enrolBody.ToString());
        var enrolment = enrolBody.GetProperty("data").GetProperty("enrolment");
        Assert.Equal((id, "in_progress", 1), (enrolment.Str("sequence_id"), enrolment.Str("status"), enrolment.GetProperty("current_step").GetInt32()));

        await tenant.Action(id, "activate");
        var start = api.Time.GetUtcNow();
        await api.RunAt(tenant, id, start);
        await api.RunAt(tenant, id, start + TimeSpan.FromDays(3));
        await api.RunAt(tenant, id, start + TimeSpan.FromDays(4));
        Assert.Equal([start, start + TimeSpan.FromDays(3), start + TimeSpan.FromDays(4)], await tenant.SentAt(id, contact));
        var linkedin = Assert.Single(await tenant.Events("linkedin.send_requested"));
        Assert.Equal(("linkedin_message", "Hi Jo, saw your profile..."), (linkedin.Str("action"), linkedin.Str("message")));
    }

    [Fact]
    public async Task A_bad_sequence_is_a_400_naming_the_step_field_and_creates_nothing()
    {
        var tenant = await api.NewTenantAsync();
        async Task<JsonElement> Refused(string json)
        {
            var (response, body) = await tenant.SendAsync(HttpMethod.Post, "/v1/sequences", json);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body.ToString());
            Assert.Equal("validation_error.invalid_fields", body.Str("code"));
            return body;
        }

        Assert.Equal("duplicate", (await Refused("""
            {"name":"x","steps":[{"order":1,"type":"linkedin","message":"a"},{"order":1,"type":"linkedin","message":"b"}]}
            """)).FieldCode("steps[1].order"));
        Assert.Equal("invalid", (await Refused("""{"name":"x","steps":[{"order":1,"type":"sms","message":"a"}]}""")).FieldCode("steps[0].type"));
        Assert.Equal("required", (await Refused("""{"name":"x","steps":[{"order":1,"type":"linkedin"}]}""")).FieldCode("steps[0].message"));
        Assert.Equal("not_found", (await Refused("""{"name":"x","steps":[{"order":1,"type":"email","template_id":"tpl_first_email"}]}"""))
            .FieldCode("steps[0].template_id"));
        Assert.Equal("required", (await Refused("""{"steps":[]}""")).FieldCode("name"));

        var (list, listBody) = await tenant.SendAsync(HttpMethod.Get, "/v1/campaigns?kind=sequence");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(0, listBody.GetProperty("data").GetProperty("campaigns").GetArrayLength());
    }
}
