using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tests.Infrastructure;

namespace Tests.Emails;

/// <summary>The embedded API with tracking links on a test base URL and the inbound webhook's shared secret set.</summary>
public sealed class EmailApi() : CatalogueApi(new Dictionary<string, string?>
{
    ["Email:TrackingBaseUrl"] = EmailApi.TrackingBase,
    ["Email:WebhookSecret"] = EmailApi.WebhookSecret,
    ["Email:FirstRetryDelay"] = "00:00:00.200",
})
{
    public const string TrackingBase = "https://track.example.test";
    public const string WebhookSecret = "email-webhook-test-secret";
}

/// <summary>Steps the email tests share: accounts, contacts, templates, sends and reading what was sent.</summary>
public static partial class EmailSteps
{
    public static async Task UseEventChannel(this TestTenant tenant)
    {
        var (response, body) = await tenant.SendAsync(HttpMethod.Put, "/v1/emails/sending-account",
            """{"channel":"event","from_email":"sales@seller.example","from_name":"Sales"}""");
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
    }

    public static async Task UseSmtp(this TestTenant tenant)
    {
        var (response, body) = await tenant.SendAsync(HttpMethod.Put, "/v1/emails/sending-account", $$"""
            {"channel":"smtp","from_email":"sales@seller.example","from_name":"Sales","host":"127.0.0.1",
             "port":{{TestSmtp.SmtpPort ?? 25}},"tls":"none","username":"sender","password":"smtp-secret"}
            """);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.True(body.GetProperty("data").GetProperty("sending_account").GetProperty("password_set").GetBoolean());
        Assert.DoesNotContain("smtp-secret", body.ToString());
    }

    public static async Task<string> Template(this TestTenant tenant, string subject, string body, string? html = null)
    {
        var json = JsonSerializer.Serialize(new Dictionary<string, string?> { ["name"] = "First Outreach", ["subject"] = subject, ["body"] = body, ["html_body"] = html });
        var (response, answer) = await tenant.SendAsync(HttpMethod.Post, "/v1/emails/templates", json);
        Assert.True(response.StatusCode == HttpStatusCode.Created, answer.ToString());
        return answer.GetProperty("data").GetProperty("template").Str("id");
    }

    public static async Task<string> Contact(this TestTenant tenant, string email, string? accountId = null)
    {
        var account = accountId is null ? "" : $",\"account_id\":\"{accountId}\"";
        return (await tenant.CreateAsync("contact", $$"""{"first_name":"John","last_name":"Doe","email":"{{email}}"{{account}}}""")).Str("id");
    }

    public static Task<(HttpResponseMessage Response, JsonElement Body)> Send(this TestTenant tenant, string contactId, string templateId,
        string variables = "{}") =>
        tenant.SendAsync(HttpMethod.Post, "/v1/emails/send",
            $$"""{"contact_id":"{{contactId}}","template_id":"{{templateId}}","variables":{{variables}},"track_opens":true,"track_clicks":true}""");

    public static async Task<string> SendOk(this TestTenant tenant, string contactId, string templateId, string variables = "{}")
    {
        var (response, body) = await tenant.Send(contactId, templateId, variables);
        Assert.True(response.StatusCode == HttpStatusCode.Created, body.ToString());
        var email = body.GetProperty("data").GetProperty("email");
        Assert.Equal("scheduled", email.Str("status"));
        return email.Str("id");
    }

    public static async Task<JsonElement> Email(this TestTenant tenant, string id)
    {
        var (_, body) = await tenant.SendAsync(HttpMethod.Get, $"/v1/emails/{id}");
        return body.GetProperty("data").GetProperty("email");
    }

    public static Task<JsonElement> EmailIn(this TestTenant tenant, string id, string status) =>
        Eventually.Get(() => tenant.Email(id), e => e.Str("status") == status, TimeSpan.FromSeconds(30), $"email {id} {status}");

    /// <summary>The data of the tenant's events of a type, oldest first.</summary>
    public static async Task<List<JsonElement>> Events(this TestTenant tenant, string type)
    {
        var (_, body) = await tenant.SendAsync(HttpMethod.Get, $"/v1/webhooks/events?limit=100&event_type={type}");
        return [.. body.GetProperty("data").GetProperty("events").EnumerateArray().Where(e => e.Str("event_type") == type).Select(e => e.GetProperty("data"))];
    }

    /// <summary>The tracking links in an HTML part: the open pixel, each click link, the unsubscribe link (paths on the API).</summary>
    public static (string Open, IReadOnlyList<string> Clicks, string Unsubscribe) Links(string html)
    {
        string Path(string url) => url.Replace(EmailApi.TrackingBase, "", StringComparison.Ordinal);
        var open = OpenPixel().Match(html).Groups[1].Value;
        var clicks = ClickLink().Matches(html).Select(m => Path(m.Groups[1].Value)).ToList();
        var unsubscribe = UnsubscribeLink().Match(html).Groups[1].Value;
        return (Path(open), clicks, Path(unsubscribe));
    }

    [GeneratedRegex("src=\"([^\"]+/email-tracking/open/[^\"]+)\"")]
    private static partial Regex OpenPixel();

    [GeneratedRegex("href=\"([^\"]+/email-tracking/click/[^\"]+)\"")]
    private static partial Regex ClickLink();

    [GeneratedRegex("href=\"([^\"]+/email-tracking/unsubscribe/[^\"]+)\"")]
    private static partial Regex UnsubscribeLink();
}

public static class TenantReads
{
    /// <summary>GET a single resource's object (<c>data.&lt;name&gt;</c> for the first key of data).</summary>
    public static async Task<JsonElement> GetObject(this TestTenant tenant, string url)
    {
        var (response, body) = await tenant.SendAsync(HttpMethod.Get, url);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return body.GetProperty("data").EnumerateObject().First().Value;
    }
}
