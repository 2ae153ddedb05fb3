using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Tests.Emails;
using Tests.Infrastructure;

namespace Tests.Campaigns;

/// <summary>SAM's upload-prospects CSV → approval session → decide / bulk-approve → add-approved-prospects with duplicate counts.</summary>
public sealed class ProspectApprovalTests(CampaignApi api) : IClassFixture<CampaignApi>
{
    private const string Header = "first_name,last_name,email,linkedin_url,company,title\n";

    [Fact]
    public async Task Approved_prospects_become_contacts_in_the_campaign_and_duplicates_by_email_or_linkedin_url_are_counted()
    {
        var tenant = await api.NewTenantAsync();
        var campaign = (await tenant.Sam(HttpMethod.Post, "/api/campaigns",
            """{"campaign_name":"Q4 Outreach","message_templates":{"connection_request":"Hi {first_name}"}}""", HttpStatusCode.Created)).Str("id");
        var ann = (await tenant.CreateAsync("contact", """{"first_name":"Ann","email":"ann@acme.example"}""")).Str("id");
        var bob = (await tenant.CreateAsync("contact", """{"first_name":"Bob","email":"bob@acme.example"}""")).Str("id");
        await tenant.SendAsync(HttpMethod.Post, $"/v1/campaigns/{campaign}/contacts", $$"""{"contact_ids":["{{bob}}"]}""");

        var (uploaded, upload) = await Upload(tenant, Header + """
            Ann,Lee,ann@acme.example,https://www.linkedin.com/in/ann,Acme,VP Sales
            Bob,Ray,bob@acme.example,,Acme,CTO
            Cy,Fox,cy@acme.example,https://www.linkedin.com/in/cy,Beta,CEO
            Cy,Fox,cy.fox@acme.example,https://www.linkedin.com/in/cy/,Beta,CEO
            Dee,Lim,dee@acme.example,,Gamma,CFO
            "Eve, Jr",Kay,EVE@acme.example,,Delta,COO
            """, campaign);
        Assert.True(uploaded.StatusCode == HttpStatusCode.Created, upload.ToString());
        var session = upload.GetProperty("data").Str("session_id");
        Assert.Equal(6, upload.GetProperty("data").GetProperty("prospects_uploaded").GetInt32());
        Assert.EndsWith($"/api/prospect-approval/prospects?session_id={session}", upload.GetProperty("data").Str("approval_url"));

        var prospects = (await tenant.Sam(HttpMethod.Get, $"/api/prospect-approval/prospects?session_id={session}&limit=20"))
            .GetProperty("prospects").EnumerateArray().ToList();
        Assert.Equal(["Ann Lee", "Bob Ray", "Cy Fox", "Cy Fox", "Dee Lim", "Eve, Jr Kay"], prospects.Select(p => p.Str("name")));
        Assert.Equal("eve@acme.example", prospects[5].Str("email"));
        Assert.All(prospects, p => Assert.Equal("pending", p.Str("approval_status")));
        var ids = prospects.Select(p => p.Str("id")).ToList();

        var bulk = await tenant.Sam(HttpMethod.Post, "/api/prospect-approval/bulk-approve",
            $$"""{"session_id":"{{session}}","prospect_ids":["{{ids[0]}}","{{ids[1]}}","{{ids[2]}}","{{ids[3]}}"],"notes":"Batch approval"}""");
        Assert.Equal(4, bulk.GetProperty("approved_count").GetInt32());
        var rejected = await tenant.Sam(HttpMethod.Post, "/api/prospect-approval/decide",
            $$"""{"prospect_id":"{{ids[4]}}","session_id":"{{session}}","decision":"rejected","notes":"Outside target market"}""");
        Assert.Equal(("rejected", "Outside target market"), (rejected.GetProperty("prospect").Str("approval_status"), rejected.GetProperty("prospect").Str("notes")));
        var approved = await tenant.Sam(HttpMethod.Get, $"/api/prospect-approval/approved?session_id={session}");
        Assert.Equal(4, approved.GetProperty("total_approved").GetInt32());
        var listed = Assert.Single((await tenant.Sam(HttpMethod.Get, "/api/prospect-approval/sessions/list")).EnumerateArray());
        Assert.Equal(("Q4 Outreach", 6, 1, 4, 1), (listed.Str("campaign_name"), listed.GetProperty("total_prospects").GetInt32(),
            listed.GetProperty("pending_count").GetInt32(), listed.GetProperty("approved_count").GetInt32(), listed.GetProperty("rejected_count").GetInt32()));

        // The document's curl: no prospect_ids = every approved prospect. Ann is the existing contact; Bob is already in the
        // campaign; the second Cy has the first one's LinkedIn URL.
        var added = await tenant.Sam(HttpMethod.Post, "/api/campaigns/add-approved-prospects",
            $$"""{"campaign_id":"{{campaign}}","approval_session_id":"{{session}}"}""");
        Assert.Equal((2, 2, 0), Counts(added));
        Assert.Contains(ann, added.GetProperty("contact_ids").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("in_progress", (await tenant.Enrolment(campaign, ann)).Str("status"));
        var cy = added.GetProperty("contact_ids").EnumerateArray().Select(c => c.GetString()!).Single(c => c != ann);
        Assert.Equal(("cy@acme.example", "https://www.linkedin.com/in/cy"), ((await tenant.GetObject($"/v1/contacts/{cy}")).Str("email"),
            (await tenant.GetObject($"/v1/contacts/{cy}")).Str("linkedin_url")));
        Assert.Equal(3, (await tenant.Metrics(campaign)).GetProperty("total_prospects").GetInt32());

        var again = await tenant.Sam(HttpMethod.Post, "/api/campaigns/add-approved-prospects",
            $$"""{"campaign_id":"{{campaign}}","approval_session_id":"{{session}}"}""");
        Assert.Equal((0, 4, 0), Counts(again));
        var notApproved = await tenant.Sam(HttpMethod.Post, "/api/campaigns/add-approved-prospects",
            $$"""{"campaign_id":"{{campaign}}","approval_session_id":"{{session}}","prospect_ids":["{{ids[4]}}","{{ids[5]}}"]}""");
        Assert.Equal((0, 0, 2), Counts(notApproved));
        Assert.Equal(3, (await tenant.Metrics(campaign)).GetProperty("total_prospects").GetInt32());
    }

    [Fact]
    public async Task A_prospect_with_the_LinkedIn_URL_of_an_existing_contact_is_that_contact_and_counts_as_a_duplicate_when_already_enrolled()
    {
        var tenant = await api.NewTenantAsync();
        var campaign = (await tenant.Sam(HttpMethod.Post, "/api/campaigns",
            """{"campaign_name":"Q1","message_templates":{"connection_request":"Hi {first_name}"}}""", HttpStatusCode.Created)).Str("id");
        var gil = (await tenant.CreateAsync("contact", """{"first_name":"Gil","email":"gil@acme.example","linkedin_url":"https://www.linkedin.com/in/gil"}""")).Str("id");
        var hal = (await tenant.CreateAsync("contact", """{"first_name":"Hal","email":"hal@acme.example","linkedin_url":"https://linkedin.com/in/hal/"}""")).Str("id");
        await tenant.SendAsync(HttpMethod.Post, $"/v1/campaigns/{campaign}/contacts", $$"""{"contact_ids":["{{gil}}"]}""");

        // Other addresses, the same profiles (scheme, www., case and a trailing / aside); Ivy is new.
        var (_, upload) = await Upload(tenant, Header + """
            Gil,Ng,gil.ng@other.example,http://LinkedIn.com/in/Gil/,Acme,VP
            Hal,Ott,hal.ott@other.example,https://www.linkedin.com/in/hal,Acme,CTO
            Ivy,Poe,ivy@other.example,https://www.linkedin.com/in/ivy,Beta,CEO
            """, campaign);
        var session = upload.GetProperty("data").Str("session_id");
        var ids = (await tenant.Sam(HttpMethod.Get, $"/api/prospect-approval/prospects?session_id={session}"))
            .GetProperty("prospects").EnumerateArray().Select(p => p.Str("id")).ToList();
        await tenant.Sam(HttpMethod.Post, "/api/prospect-approval/bulk-approve", $$"""{"session_id":"{{session}}","prospect_ids":["{{string.Join("\",\"", ids)}}"]}""");

        var added = await tenant.Sam(HttpMethod.Post, "/api/campaigns/add-approved-prospects",
            $$"""{"campaign_id":"{{campaign}}","approval_session_id":"{{session}}"}""");
        Assert.Equal((2, 1, 0), Counts(added)); // Gil is in the campaign already; Hal is enrolled as himself; Ivy is new
        var contactIds = added.GetProperty("contact_ids").EnumerateArray().Select(c => c.GetString()!).ToList();
        Assert.Contains(hal, contactIds);
        Assert.DoesNotContain(gil, contactIds);
        foreach (var address in new[] { "gil.ng@other.example", "hal.ott@other.example" })
        {
            var (_, found) = await tenant.SendAsync(HttpMethod.Get, $"/v1/contacts?search={address}");
            Assert.Empty(found.GetProperty("data").GetProperty("contacts").EnumerateArray()); // no second contact for the same person
        }
        Assert.Equal(3, (await tenant.Metrics(campaign)).GetProperty("total_prospects").GetInt32());
    }

    [Fact]
    public async Task The_documents_campaign_workflow_runs_as_its_curl_examples_show()
    {
        var tenant = await api.NewTenantAsync();
        // 1. Create campaign (no templates: a connection request without a note).
        var campaign = (await tenant.Sam(HttpMethod.Post, "/api/campaigns",
            """{"campaign_name":"Q4 Outreach","campaign_type":"connection_request","linkedin_account_id":"uuid"}""", HttpStatusCode.Created)).Str("id");
        // 2. Prospects (here from a CSV: the LinkedIn search is not ours).
        var (_, upload) = await Upload(tenant, Header + "Jane,Smith,jane@techcorp.example,https://www.linkedin.com/in/janesmith,Tech Corp,VP Sales\n");
        var session = upload.GetProperty("data").Str("session_id");
        var prospect = (await tenant.Sam(HttpMethod.Get, $"/api/prospect-approval/prospects?session_id={session}")).GetProperty("prospects")[0].Str("id");
        // 3. Approve prospects.
        await tenant.Sam(HttpMethod.Post, "/api/prospect-approval/bulk-approve", $$"""{"session_id":"{{session}}","prospect_ids":["{{prospect}}"]}""");
        // 4. Add to campaign.
        Assert.Equal((1, 0, 0), Counts(await tenant.Sam(HttpMethod.Post, "/api/campaigns/add-approved-prospects",
            $$"""{"campaign_id":"{{campaign}}","approval_session_id":"{{session}}"}""")));
        // 5. Activate campaign.
        Assert.Equal("active", (await tenant.Sam(HttpMethod.Post, "/api/campaigns/activate", $$"""{"campaign_id":"{{campaign}}"}""")).Str("status"));

        await api.RunAt(tenant, campaign, api.Time.GetUtcNow());
        var requested = Assert.Single(await tenant.Events("linkedin.send_requested"));
        Assert.Equal(("linkedin_connection_request", "https://www.linkedin.com/in/janesmith", "uuid"),
            (requested.Str("action"), requested.Str("linkedin_url"), requested.Str("linkedin_account_id")));
        Assert.Equal(JsonValueKind.Null, requested.GetProperty("message").ValueKind);
    }

    [Fact]
    public async Task A_bad_CSV_is_a_400_naming_the_row_and_column_and_keeps_nothing_and_sessions_are_the_tenants_own()
    {
        var tenant = await api.NewTenantAsync();
        var (badEmail, badEmailBody) = await Upload(tenant, Header + "Ann,Lee,ann@acme.example,,Acme,VP\nBob,Ray,not-an-email,,Acme,CTO\n");
        Assert.Equal(HttpStatusCode.BadRequest, badEmail.StatusCode);
        Assert.Equal("invalid", badEmailBody.FieldCode("rows[1].email"));
        var (badUrl, badUrlBody) = await Upload(tenant, Header + "Ann,Lee,ann@acme.example,linkedin.com/in/ann,Acme,VP\n");
        Assert.Equal(HttpStatusCode.BadRequest, badUrl.StatusCode);
        Assert.Equal("invalid", badUrlBody.FieldCode("rows[0].linkedin_url"));
        var (noEmail, noEmailBody) = await Upload(tenant, "first_name,last_name\nAnn,Lee\n");
        Assert.Equal(HttpStatusCode.BadRequest, noEmail.StatusCode);
        Assert.Equal("missing_column", noEmailBody.FieldCode("file"));
        var (empty, emptyBody) = await Upload(tenant, Header);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal("required", emptyBody.FieldCode("file"));
        var (quote, quoteBody) = await Upload(tenant, Header + "Ann,Lee,ann@acme.example,,Acme,VP\nBob,\"Ray,bob@acme.example,,Acme,CTO\n");
        Assert.Equal(HttpStatusCode.BadRequest, quote.StatusCode);
        Assert.Equal("validation_error.invalid_fields", quoteBody.Str("code"));
        var (json, _) = await tenant.SendAsync(HttpMethod.Post, "/api/campaigns/upload-prospects", "{}");
        Assert.Equal(HttpStatusCode.BadRequest, json.StatusCode);
        Assert.Equal(0, (await tenant.Sam(HttpMethod.Get, "/api/prospect-approval/sessions/list")).GetArrayLength()); // nothing kept

        var (ok, okBody) = await Upload(tenant, Header + "Ann,Lee,ann@acme.example,,Acme,VP\n");
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        var session = okBody.GetProperty("data").Str("session_id");
        var other = await api.NewTenantAsync();
        var theirs = await other.Sam(HttpMethod.Post, "/api/campaigns", """{"campaign_name":"Theirs"}""", HttpStatusCode.Created);
        await other.Sam(HttpMethod.Get, $"/api/prospect-approval/prospects?session_id={session}", expected: HttpStatusCode.NotFound);
        Assert.Equal(0, (await other.Sam(HttpMethod.Get, "/api/prospect-approval/sessions/list")).GetArrayLength());
        await tenant.Sam(HttpMethod.Post, "/api/campaigns/add-approved-prospects",
            $$"""{"campaign_id":"{{theirs.Str("id")}}","approval_session_id":"{{session}}"}""", HttpStatusCode.NotFound);
        Assert.Equal("required", (await tenant.Sam(HttpMethod.Get, "/api/prospect-approval/approved", expected: HttpStatusCode.BadRequest))
            .FieldCode("session_id"));
        await tenant.Sam(HttpMethod.Post, "/api/prospect-approval/decide",
            $$"""{"prospect_id":"pro_000000000000000000000000","session_id":"{{session}}","decision":"approved"}""", HttpStatusCode.NotFound);
    }

    private static (int, int, int) Counts(JsonElement data) => (data.GetProperty("added_count").GetInt32(),
        data.GetProperty("duplicate_count").GetInt32(), data.GetProperty("error_count").GetInt32());

    private static async Task<(HttpResponseMessage Response, JsonElement Body)> Upload(TestTenant tenant, string csv, string? campaignId = null)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "prospects.csv");
        if (campaignId is not null)
        {
            form.Add(new StringContent(campaignId), "campaign_id");
        }
        var response = await tenant.Http.PostAsync("/api/campaigns/upload-prospects", form);
        return (response, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
    }
}
