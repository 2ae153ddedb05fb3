using System.Net;
using System.Text.Json;
using Tests.Infrastructure;

namespace Tests.Emails;

/// <summary>
/// Templates, sends over both channels, tracking and the inbound webhook through the HTTP pipeline. The SMTP round
/// trip goes to a real SMTP server (smtp4dev) and reads the message back from it.
/// </summary>
public sealed class EmailSendTests(EmailApi api) : IClassFixture<EmailApi>
{
    private const string Subject = "Hello {{first_name}} - Quick idea for {{company_name}}";
    private const string Body = "Hi {first_name},\n\n{{company_name}} is growing. Greetings from {name}'s future partner.\nSee https://seller.example/offer";
    private const string Html = "<html><body><p>Hi {{first_name}},</p><p><a href=\"https://seller.example/offer?a=1&amp;b=2\">Our offer</a> for {{company_name}}</p></body></html>";

    private static string NewAddress() => $"john.{Guid.NewGuid():N}@acme.example";

    [Fact]
    public async Task A_template_lists_the_variables_of_all_three_placeholder_forms_and_a_broken_one_is_a_400()
    {
        var tenant = await api.NewTenantAsync();
        var id = await tenant.Template(Subject, Body);

        var (response, body) = await tenant.SendAsync(HttpMethod.Get, "/v1/emails/templates");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var template = Assert.Single(body.GetProperty("data").GetProperty("templates").EnumerateArray());
        Assert.Equal(id, template.Str("id"));
        Assert.Equal(["first_name", "company_name", "name"], template.GetProperty("variables").EnumerateArray().Select(v => v.GetString()));

        var (broken, error) = await tenant.SendAsync(HttpMethod.Post, "/v1/emails/templates", """{"name":"x","subject":"Hi {{ first_name","body":"b"}""");
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Equal("invalid_template", error.FieldCode("subject"));

        var (patched, patchBody) = await tenant.SendAsync(HttpMethod.Patch, $"/api/v1/emails/templates/{id}", """{"subject":"Re: {{topic}}"}""");
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Contains("topic", patchBody.GetProperty("data").GetProperty("template").GetProperty("variables").EnumerateArray().Select(v => v.GetString()));
    }

    [Fact]
    public async Task A_missing_variable_is_a_400_naming_it_and_no_email_is_made()
    {
        var tenant = await api.NewTenantAsync();
        await tenant.UseEventChannel();
        var template = await tenant.Template(Subject, Body);
        var contact = await tenant.Contact(NewAddress());

        var (response, body) = await tenant.Send(contact, template);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("missing_variable", body.FieldCode("variables.company_name"));
        Assert.Contains("company_name", body.Str("message"));
        Assert.Empty(await tenant.Events("email.send_requested"));

        // Given in the request (or by the contact's account), it renders.
        await tenant.SendOk(contact, template, """{"company_name":"Acme Corp"}""");
    }

    [Fact]
    public async Task The_event_channel_publishes_the_rendered_email_and_the_executor_reports_it_sent()
    {
        var tenant = await api.NewTenantAsync();
        await tenant.UseEventChannel();
        var account = (await tenant.CreateAsync("account", """{"name":"Acme Corp"}""")).Str("id");
        var contact = await tenant.Contact(NewAddress(), account);
        var id = await tenant.SendOk(contact, await tenant.Template(Subject, Body, Html));

        var requested = await tenant.EmailIn(id, "send_requested");
        Assert.Equal("Hello John - Quick idea for Acme Corp", requested.Str("subject"));
        var published = Assert.Single(await tenant.Events("email.send_requested"));
        Assert.Equal(requested.Str("message_id"), published.Str("message_id"));
        Assert.Contains("Hi John,", published.Str("text"));
        var headers = published.GetProperty("headers").EnumerateArray().ToDictionary(h => h.Str("name"), h => h.Str("value"));
        Assert.StartsWith("<https://track.example.test/v1/email-tracking/unsubscribe/", headers["List-Unsubscribe"]);
        Assert.Equal("List-Unsubscribe=One-Click", headers["List-Unsubscribe-Post"]);

        using var sentCount = new MeasurementCounter("salesbooth.emails", "email.outcome", "sent");
        var (reported, body) = await tenant.SendAsync(HttpMethod.Post, $"/v1/emails/{id}/report", """{"status":"sent","provider_id":"ses-123"}""");
        Assert.Equal(HttpStatusCode.OK, reported.StatusCode);
        var sent = body.GetProperty("data").GetProperty("email");
        Assert.Equal("sent", sent.Str("status"));
        Assert.Equal("ses-123", sent.Str("provider_id"));
        Assert.True(sentCount.Total >= 1, "a reported send counts as a sent email");
        Assert.Equal(["scheduled", "send_requested", "sent"], sent.GetProperty("timeline").EnumerateArray().Select(t => t.Str("status")));
        Assert.Single(await tenant.Events("email.sent"));
    }

    [Fact]
    public async Task A_campaign_step_on_the_event_channel_is_stored_and_published_in_one_write()
    {
        var tenant = await api.NewTenantAsync();
        await tenant.UseEventChannel();
        var template = await tenant.Template("Hi {{first_name}}", "Hello {{first_name}}");
        var contact = await tenant.Contact(NewAddress());
        var id = Grains.Interfaces.Platform.ResourceIds.New(Grains.Interfaces.Emails.EmailKeys.IdPrefix);
        var grain = api.Grains.GetGrain<Grains.Interfaces.Emails.IEmailGrain>(Grains.Interfaces.Emails.EmailKeys.Grain(tenant.Partition, id));

        var view = await grain.Request(new Grains.Interfaces.Emails.EmailRequest { ContactId = contact, TemplateId = template, PublishAtOnce = true });

        Assert.Equal("send_requested", view.Status);
        Assert.Equal(["scheduled", "send_requested"], view.Timeline.Select(t => t.Status));
        Assert.Equal(1, view.Version);
        var published = Assert.Single(await tenant.Events("email.send_requested"));
        Assert.Equal(id, published.Str("email_id"));
        // Nothing left scheduled: a nudge (what the reminder would do) publishes nothing more.
        await grain.Nudge();
        Assert.Single(await tenant.Events("email.send_requested"));
        Assert.Equal("send_requested", (await tenant.Email(id)).Str("status"));
    }

    [Fact]
    public async Task A_keyed_send_retried_answers_the_same_email()
    {
        var tenant = await api.NewTenantAsync();
        await tenant.UseEventChannel();
        var template = await tenant.Template("Hi {{first_name}}", "Body");
        var contact = await tenant.Contact(NewAddress());
        var json = $$"""{"contact_id":"{{contact}}","template_id":"{{template}}"}""";
        var headers = new Dictionary<string, string> { ["Idempotency-Key"] = "send-" + Guid.NewGuid() };

        var (first, firstBody) = await tenant.Http.SendJsonAsync(HttpMethod.Post, "/v1/emails/send", json, headers);
        var (second, secondBody) = await tenant.Http.SendJsonAsync(HttpMethod.Post, "/v1/emails/send", json, headers);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(firstBody.GetProperty("data").GetProperty("email").Str("id"), secondBody.GetProperty("data").GetProperty("email").Str("id"));
    }

    [Fact]
    public async Task Open_click_and_reply_change_the_engagement_score_by_the_formula_once_per_email()
    {
        var tenant = await api.NewTenantAsync();
        await tenant.UseEventChannel();
        var contact = await tenant.Contact(NewAddress());
        var id = await tenant.SendOk(contact, await tenant.Template("Offer", "Hi {{first_name}}", Html), """{"company_name":"Acme"}""");
        await tenant.EmailIn(id, "send_requested");
        var links = EmailSteps.Links(Assert.Single(await tenant.Events("email.send_requested")).Str("html"));
        var client = api.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var pixel = await client.GetAsync(links.Open);
        Assert.Equal("image/gif", pixel.Content.Headers.ContentType?.MediaType);
        await client.GetAsync(links.Open);   // a second open of the same email scores nothing more
        var click = await client.GetAsync(Assert.Single(links.Clicks));
        Assert.Equal(HttpStatusCode.Redirect, click.StatusCode);
        Assert.Equal("https://seller.example/offer?a=1&b=2", click.Headers.Location?.ToString());
        var forged = await client.GetAsync(links.Clicks[0].Replace("/0", "/0x", StringComparison.Ordinal)[..^1] + "A/0");
        Assert.NotEqual(HttpStatusCode.Redirect, forged.StatusCode);

        var email = await tenant.Email(id);
        var (unauthorised, _) = await client.SendJsonAsync(HttpMethod.Post, "/v1/email-webhook", $$"""{"event":"replied","message_id":"<{{email.Str("message_id")}}>"}""");
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorised.StatusCode);
        var (replied, _) = await client.SendJsonAsync(HttpMethod.Post, "/v1/email-webhook",
            $$"""{"event":"replied","message_id":"<{{email.Str("message_id")}}>"}""", new Dictionary<string, string> { ["X-Webhook-Secret"] = EmailApi.WebhookSecret });
        Assert.Equal(HttpStatusCode.OK, replied.StatusCode);

        var (_, scoreBody) = await tenant.SendAsync(HttpMethod.Get, $"/v1/contacts/{contact}/engagement-score");
        var score = scoreBody.GetProperty("data");
        Assert.Equal(1, score.GetProperty("components").GetProperty("email_opens").GetInt32());
        Assert.Equal(1, score.GetProperty("components").GetProperty("email_clicks").GetInt32());
        Assert.Equal(1, score.GetProperty("components").GetProperty("email_replies").GetInt32());
        Assert.Equal(5 + 10 + 30, score.GetProperty("score").GetInt32());
        Assert.Equal(3, score.GetProperty("tier").GetInt32());
        var final = await tenant.Email(id);
        Assert.Equal("replied", final.Str("status"));
        Assert.Equal(2, final.GetProperty("opens").GetInt32());
        Assert.Single(await tenant.Events("email.opened"));
        Assert.Single(await tenant.Events("email.clicked"));
        Assert.Single(await tenant.Events("email.replied"));
    }

    [Fact]
    public async Task After_a_one_click_unsubscribe_or_a_hard_bounce_the_contact_is_never_emailed_again()
    {
        var tenant = await api.NewTenantAsync();
        await tenant.UseEventChannel();
        var template = await tenant.Template("Hi {{first_name}}", "Body");
        var contact = await tenant.Contact(NewAddress());
        var first = await tenant.SendOk(contact, template);
        await tenant.EmailIn(first, "send_requested");
        var links = EmailSteps.Links(Assert.Single(await tenant.Events("email.send_requested")).Str("html"));

        // RFC 8058: the GET only shows a form; the POST unsubscribes.
        var client = api.CreateClient();
        var page = await client.GetAsync(links.Unsubscribe);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Null((await tenant.GetObject($"/v1/contacts/{contact}")).GetProperty("unsubscribed_at").GetString());
        var post = await client.PostAsync(links.Unsubscribe, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);

        Assert.NotNull((await tenant.GetObject($"/v1/contacts/{contact}")).GetProperty("unsubscribed_at").GetString());
        Assert.Single(await tenant.Events("email.unsubscribed"));
        var (refused, body) = await tenant.Send(contact, template);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("conflict.contact_suppressed", body.Code());

        // A hard bounce reported by the provider suppresses too.
        var other = await tenant.Contact(NewAddress());
        var bounced = await tenant.SendOk(other, template);
        var messageId = (await tenant.EmailIn(bounced, "send_requested")).Str("message_id");
        var (ok, _) = await client.SendJsonAsync(HttpMethod.Post, "/api/v1/email-webhook",
            $$"""{"event":"bounced","bounce_type":"hard","message_id":"{{messageId}}"}""", new Dictionary<string, string> { ["X-Webhook-Secret"] = EmailApi.WebhookSecret });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("bounced", (await tenant.Email(bounced)).Str("status"));
        var (again, againBody) = await tenant.Send(other, template);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("conflict.contact_suppressed", againBody.Code());
    }

    [SmtpFact]
    public async Task An_email_goes_over_real_SMTP_with_both_parts_rendered_its_Message_ID_and_one_click_unsubscribe_headers()
    {
        var tenant = await api.NewTenantAsync();
        await tenant.UseSmtp();
        var account = (await tenant.CreateAsync("account", """{"name":"Acme Corp"}""")).Str("id");
        var address = NewAddress();
        var contact = await tenant.Contact(address, account);
        var id = await tenant.SendOk(contact, await tenant.Template(Subject, Body, Html));

        var sent = await tenant.EmailIn(id, "sent");
        Assert.Equal(["scheduled", "sending", "sent"], sent.GetProperty("timeline").EnumerateArray().Select(t => t.Str("status")));
        var received = await Eventually.Get(() => TestSmtp.MessagesTo(address), m => m.Count > 0, TimeSpan.FromSeconds(20), "the message at smtp4dev");
        var message = Assert.Single(received);

        var headers = await TestSmtp.Headers(message);
        Assert.Equal("Hello John - Quick idea for Acme Corp", headers["Subject"]);
        Assert.Equal($"<{sent.Str("message_id")}>", headers["Message-ID"]);
        Assert.Matches("^<https://track\\.example\\.test/v1/email-tracking/unsubscribe/[^>]+>$", headers["List-Unsubscribe"]);
        Assert.Equal("List-Unsubscribe=One-Click", headers["List-Unsubscribe-Post"]);
        Assert.Contains("\"Sales\" <sales@seller.example>", headers["From"].Replace("Sales <", "\"Sales\" <", StringComparison.Ordinal));

        var text = await TestSmtp.PlainText(message);
        Assert.Contains("Hi John,", text);
        Assert.Contains("Acme Corp is growing. Greetings from John Doe's future partner.", text);
        Assert.DoesNotContain("{", text);
        var html = await TestSmtp.Html(message);
        Assert.Contains("<p>Hi John,</p>", html);
        Assert.Contains("/v1/email-tracking/click/", html);
        Assert.Contains("/v1/email-tracking/open/", html);
        Assert.Single(await tenant.Events("email.sent"));
    }
}
