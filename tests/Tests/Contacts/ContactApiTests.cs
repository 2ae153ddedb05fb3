using System.Net;
using System.Text.Json;
using Grains.Interfaces.Contacts;
using Grains.Projections;
using Microsoft.Extensions.DependencyInjection;
using Tests.Infrastructure;

namespace Tests.Contacts;

/// <summary>SalesOS accounts and contacts through the HTTP pipeline: the document's examples, PII at rest, uniqueness, filters, score.</summary>
public sealed class ContactApiTests(CatalogueApi api) : IClassFixture<CatalogueApi>
{
    private const string DocAccount = """
        {"name": "Acme Corporation", "domain": "acme.com", "industry": "SaaS", "company_size": "50-100",
         "revenue": 25000000, "location": "San Francisco, CA"}
        """;

    private static string DocContact(string accountId, string email = "john@acme.com") => $$"""
        {"account_id": "{{accountId}}", "first_name": "John", "last_name": "Doe", "email": "{{email}}",
         "title": "VP Sales", "linkedin_url": "https://linkedin.com/in/johndoe"}
        """;

    [Fact]
    public async Task The_documented_examples_create_an_account_and_a_new_tier_4_contact_shown_on_the_account()
    {
        var tenant = await api.NewTenantAsync();
        var account = await tenant.CreateAsync("account", DocAccount);
        Assert.Matches("^acc_[0-9a-f]{24}$", account.Str("id"));
        Assert.Equal("prospect", account.Str("status"));
        Assert.Equal(0m, account.GetProperty("fit_score").GetDecimal());

        var contact = await tenant.CreateAsync("contact", DocContact(account.Str("id")));
        Assert.Matches("^con_[0-9a-f]{24}$", contact.Str("id"));
        Assert.Equal("john@acme.com", contact.Str("email"));
        Assert.Equal(0, contact.GetProperty("engagement_score").GetInt32());
        Assert.Equal(4, contact.GetProperty("tier").GetInt32());
        Assert.Equal("new", contact.Str("status"));

        var (response, body) = await tenant.SendAsync(HttpMethod.Get, $"/api/v1/accounts/{account.Str("id")}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var shown = body.GetProperty("data").GetProperty("account");
        Assert.Equal("John Doe", shown.GetProperty("contacts")[0].Str("name"));
        Assert.Equal(JsonValueKind.Array, shown.GetProperty("activities").ValueKind);
    }

    [Fact]
    public async Task Contact_PII_is_ciphertext_in_the_projection_and_the_email_is_unique_per_tenant_only()
    {
        var tenant = await api.NewTenantAsync();
        var contact = await tenant.CreateAsync("contact", """{"first_name":"Zed","email":"zed@example.com","phone":"+61412345678"}""");

        var rows = await api.Services.GetRequiredService<IProjectionStore>()
            .QueryAsync(tenant.Partition, ContactKeys.ResourceType, new(), null);
        var document = Assert.Single(rows.Items).Document;
        Assert.DoesNotContain("zed@example.com", document);
        Assert.DoesNotContain("Zed", document);
        Assert.DoesNotContain("61412345678", document);

        var (duplicate, body) = await tenant.SendAsync(HttpMethod.Post, "/v1/contacts", """{"email":"ZED@example.com"}""");
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal("conflict.duplicate_email", body.Code());

        // A customer may share the email, and so may another tenant's contact.
        await tenant.CreateAsync("customer", """{"name":"Zed","email":"zed@example.com"}""");
        var other = await api.NewTenantAsync();
        await other.CreateAsync("contact", """{"email":"zed@example.com"}""");

        // Deleting frees the email.
        var (deleted, _) = await tenant.SendAsync(HttpMethod.Delete, $"/v1/contacts/{contact.Str("id")}");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        await tenant.CreateAsync("contact", """{"email":"zed@example.com"}""");
    }

    [Fact]
    public async Task Patch_changes_fields_checks_If_Match_when_sent_and_emits_contact_events()
    {
        var tenant = await api.NewTenantAsync();
        var id = (await tenant.CreateAsync("contact", """{"first_name":"Ann","email":"ann@example.com"}""")).Str("id");

        var (ok, body) = await tenant.SendAsync(HttpMethod.Patch, $"/v1/contacts/{id}", """{"title":"CTO","status":"active"}""");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("CTO", body.GetProperty("data").GetProperty("contact").Str("title"));
        Assert.Equal("W/\"2\"", ok.ETag());

        var (stale, _) = await tenant.SendAsync(HttpMethod.Patch, $"/v1/contacts/{id}", """{"title":"CEO"}""", "1");
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        var (bad, badBody) = await tenant.SendAsync(HttpMethod.Patch, $"/v1/contacts/{id}", """{"account_id":"acc_000000000000000000000000"}""");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("not_found", badBody.FieldCode("account_id"));

        var types = await EventTypes(tenant);
        Assert.Contains("contact.created", types);
        Assert.Contains("contact.updated", types);
    }

    [Fact]
    public async Task The_documented_engagement_example_scores_65_tier_2_and_the_tier_change_emits_contact_tiered()
    {
        var tenant = await api.NewTenantAsync();
        var id = (await tenant.CreateAsync("contact", """{"email":"eng@example.com"}""")).Str("id");
        var grain = api.Grains.GetGrain<IContactGrain>(ContactKeys.Grain(tenant.Partition, id));
        var at = DateTimeOffset.Parse("2026-01-03T10:30:00Z");
        foreach (var kind in new[] { "email_opened", "email_opened", "email_opened", "email_clicked", "email_clicked", "email_replied" })
        {
            await grain.RecordEngagement(new EngagementSignal(kind, "email_x", at));
        }

        var (response, body) = await tenant.SendAsync(HttpMethod.Get, $"/v1/contacts/{id}/engagement-score");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var score = body.GetProperty("data");
        Assert.Equal(65, score.GetProperty("score").GetInt32());
        Assert.Equal(2, score.GetProperty("tier").GetInt32());
        Assert.Equal(3, score.GetProperty("components").GetProperty("email_opens").GetInt32());
        Assert.Equal(2, score.GetProperty("components").GetProperty("email_clicks").GetInt32());
        Assert.Equal(1, score.GetProperty("components").GetProperty("email_replies").GetInt32());
        Assert.Equal(at, score.GetProperty("last_activity").GetDateTimeOffset());

        var types = await EventTypes(tenant);
        Assert.Equal(6, types.Count(t => t == "contact.scored"));
        // 4 → 3 at the 5th signal (25+ points), 3 → 2 at the reply (65).
        Assert.Equal(2, types.Count(t => t == "contact.tiered"));
    }

    [Fact]
    public async Task Lists_filter_by_account_tier_range_and_minimum_score_from_the_projection()
    {
        var tenant = await api.NewTenantAsync();
        var account = (await tenant.CreateAsync("account", """{"name":"Filter Co"}""")).Str("id");
        var hot = (await tenant.CreateAsync("contact", $$"""{"account_id":"{{account}}","email":"hot@example.com"}""")).Str("id");
        var warm = (await tenant.CreateAsync("contact", """{"email":"warm@example.com"}""")).Str("id");
        await tenant.CreateAsync("contact", $$"""{"account_id":"{{account}}","email":"cold@example.com"}""");
        await Engage(tenant, hot, "email_replied", "email_replied", "email_replied");   // 90: tier 1
        await Engage(tenant, warm, "email_replied", "email_opened");                    // 35: tier 3

        Assert.Equal(["hot@example.com"], await Emails(tenant, "tier=1,2"));
        Assert.Equal(["warm@example.com", "hot@example.com"], await Emails(tenant, "engagement_score_min=30"));
        Assert.Equal(["cold@example.com", "warm@example.com"], await Emails(tenant, "tier=3,4"));
        Assert.Equal(["cold@example.com", "hot@example.com"], await Emails(tenant, $"account_id={account}"));

        var (gap, body) = await tenant.SendAsync(HttpMethod.Get, "/v1/contacts?tier=1,3");
        Assert.Equal(HttpStatusCode.BadRequest, gap.StatusCode);
        Assert.Equal("invalid", body.FieldCode("tier"));

        // An account with contacts is not deleted.
        var (refused, refusal) = await tenant.SendAsync(HttpMethod.Delete, $"/v1/accounts/{account}");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("conflict.account_has_contacts", refusal.Code());
    }

    [Fact]
    public async Task A_customer_is_created_from_a_contact_and_linked_to_it()
    {
        var tenant = await api.NewTenantAsync();
        var account = (await tenant.CreateAsync("account", """{"name":"Linked Ltd"}""")).Str("id");
        var id = (await tenant.CreateAsync("contact", $$"""{"account_id":"{{account}}","first_name":"Lin","last_name":"Ked","email":"lin@example.com"}""")).Str("id");

        var (created, body) = await tenant.SendAsync(HttpMethod.Post, $"/v1/contacts/{id}/customer", "{}");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var customerId = body.GetProperty("data").Str("customer_id");
        Assert.Equal(customerId, body.GetProperty("data").GetProperty("contact").Str("customer_id"));

        var (_, customer) = await tenant.SendAsync(HttpMethod.Get, $"/v1/customers/{customerId}");
        var c = customer.GetProperty("data").GetProperty("customer");
        Assert.Equal("Lin Ked", c.Str("name"));
        Assert.Equal("Linked Ltd", c.Str("company"));

        var (again, againBody) = await tenant.SendAsync(HttpMethod.Post, $"/v1/contacts/{id}/customer", "{}");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("conflict.contact_already_linked", againBody.Code());
    }

    private async Task Engage(TestTenant tenant, string contactId, params string[] kinds)
    {
        var grain = api.Grains.GetGrain<IContactGrain>(ContactKeys.Grain(tenant.Partition, contactId));
        foreach (var kind in kinds)
        {
            await grain.RecordEngagement(new EngagementSignal(kind, "email_x", DateTimeOffset.UtcNow));
        }
    }

    private static async Task<string[]> Emails(TestTenant tenant, string query)
    {
        var (response, body) = await tenant.SendAsync(HttpMethod.Get, "/v1/contacts?" + query);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return [.. body.GetProperty("data").GetProperty("contacts").EnumerateArray().Select(c => c.Str("email"))];
    }

    /// <summary>The tenant's event types in order (a change hands its events to the log before it answers).</summary>
    public static async Task<List<string>> EventTypes(TestTenant tenant)
    {
        var (_, body) = await tenant.SendAsync(HttpMethod.Get, "/v1/webhooks/events?limit=100");
        return [.. body.GetProperty("data").GetProperty("events").EnumerateArray().Select(e => e.Str("event_type"))];
    }
}
