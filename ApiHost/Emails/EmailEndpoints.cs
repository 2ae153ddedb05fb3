using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApiHost.Api;
using ApiHost.Api.Idempotency;
using ApiHost.Api.Lists;
using ApiHost.Auth;
using ApiHost.OpenApi;
using Grains.Interfaces.Emails;
using Grains.Interfaces.Projections;

namespace ApiHost.Emails;

/// <summary>
/// SalesOS <c>/v1/emails</c>: templates, the tenant's sending account, send (keyed), get, and the executor's report for
/// the event channel. Tracking (<c>/v1/email-tracking</c>) and the inbound <c>/v1/email-webhook</c> are public: the
/// token's signature and the shared secret are their authentication.
/// </summary>
public static class EmailEndpoints
{
    /// <summary>The header the inbound email webhook's shared secret (configuration <c>Email:WebhookSecret</c>) comes in.</summary>
    public const string WebhookSecretHeader = "X-Webhook-Secret";

    private static readonly ResourceWrites<IEmailTemplateGrain, EmailTemplateFields, EmailTemplateView, EmailTemplateData> Templates = new(
        EmailTemplateKeys.IdPrefix, "Template", EmailTemplateKeys.Grain, EmailContract.ReadTemplate, template => new EmailTemplateData(EmailContract.Resource(template)));

    private static readonly byte[] Pixel = Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");

    public static void MapEmailEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapApi("emails", group =>
        {
            group.MapGet("templates", ListTemplates).RequireScope("emails:read")
                .Operation<EmailTemplateList>("listEmailTemplates", "List email templates").ListQuery([], null);
            group.MapGet("templates/{id}", GetTemplate).RequireScope("emails:read").Operation<EmailTemplateData>("getEmailTemplate", "Get an email template");
            group.MapPost("templates", Templates.Create).RequireScope("emails:write").WithIdempotency()
                .Operation<EmailTemplateInput, EmailTemplateData>("createEmailTemplate", "Create an email template", 201);
            group.MapPatch("templates/{id}", Templates.Update).RequireScope("emails:write").WithIdempotency()
                .Operation<EmailTemplatePatch, EmailTemplateData>("updateEmailTemplate", "Update an email template").IfMatch(required: false);
            group.MapDelete("templates/{id}", Templates.Delete).RequireScope("emails:write").WithIdempotency()
                .Operation<ResourceDeleted>("deleteEmailTemplate", "Delete an email template").IfMatch(required: false);
            group.MapGet("sending-account", GetAccount).RequireScope("emails:read")
                .Operation<SendingAccountData>("getSendingAccount", "The tenant's sending account (the password never shown)");
            group.MapPut("sending-account", SaveAccount).RequireScope("emails:write")
                .Operation<SendingAccountBody, SendingAccountData>("saveSendingAccount", "Set the sending channel: smtp or event");
            group.MapPost("send", Send).RequireScope("emails:write").WithIdempotency()
                .Operation<EmailSendBody, EmailData>("sendEmail", "Send (or schedule) an email to a contact from a template", 201);
            group.MapGet("{id}", Get).RequireScope("emails:read").Operation<EmailData>("getEmail", "Get an email with its status timeline");
            group.MapPost("{id}/report", Report).RequireScope("emails:write").WithIdempotency()
                .Operation<EmailReportBody, EmailData>("reportEmailSend", "The event channel's executor reports a send: sent or failed");
        });
        // Links inside sent emails (signed tokens), not API operations: left out of the OpenAPI document.
        app.MapApi("email-tracking", group =>
        {
            group.MapGet("open/{token}", Open).ExcludeFromDescription();
            group.MapGet("click/{token}/{link:int}", Click).ExcludeFromDescription();
            group.MapGet("unsubscribe/{token}", UnsubscribePage).ExcludeFromDescription();
            group.MapPost("unsubscribe/{token}", Unsubscribe).ExcludeFromDescription();
        });
        app.MapApi("email-webhook", group => group.MapPost("", Inbound)
            .Operation<EmailWebhookBody, EmailData>("receiveEmailEvent", "Inbound replies, bounces and unsubscribes",
                description: $"Authenticated by the shared secret (configuration `Email:WebhookSecret`) in `{WebhookSecretHeader}`, not an API key."));
    }

    private static async Task<IResult> ListTemplates(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var shape = ListShape.Parse(http.Request);
        var query = ListRequest.Parse(http.Request, []);
        var page = await grains.GetGrain<IEmailTemplateDirectoryGrain>(http.Caller().Partition).List(query, ct);
        return ApiResults.Ok(ListResponse.Build("templates",
            new ListPage<JsonObject>([.. page.Items.Select(EmailContract.ToJson)], page.Total, page.NextCursor, page.PrevCursor, page.HasMore), query, shape));
    }

    private static async Task<IResult> GetTemplate(HttpContext http, IGrainFactory grains, string id, CancellationToken ct)
    {
        var template = await Templates.Grain(http, grains, id).Get(ct);
        return ApiResults.Ok(new EmailTemplateData(EmailContract.Resource(template)), template.Version);
    }

    private static async Task<IResult> GetAccount(HttpContext http, IGrainFactory grains) =>
        ApiResults.Ok(new SendingAccountData(EmailContract.Resource(await grains.GetGrain<ISendingAccountGrain>(http.Caller().Partition).Get())));

    private static async Task<IResult> SaveAccount(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var input = EmailContract.ReadAccount(await RequestBody.ReadObjectAsync(http.Request, ct));
        var account = await grains.GetGrain<ISendingAccountGrain>(http.Caller().Partition).Save(input);
        return ApiResults.Ok(new SendingAccountData(EmailContract.Resource(account)));
    }

    private static async Task<IResult> Send(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var request = EmailContract.ReadSend(await RequestBody.ReadObjectAsync(http.Request, ct));
        var id = KeyedIds.New(http, EmailKeys.IdPrefix);
        var email = await grains.GetGrain<IEmailGrain>(EmailKeys.Grain(http.Caller().Partition, id)).Request(request);
        return ApiResults.Created(new EmailData(EmailContract.Resource(email)), email.Version);
    }

    private static async Task<IResult> Get(HttpContext http, IGrainFactory grains, string id, CancellationToken ct)
    {
        var email = await Email(http, grains, id).Get(ct);
        return ApiResults.Ok(new EmailData(EmailContract.Resource(email)), email.Version);
    }

    private static async Task<IResult> Report(HttpContext http, IGrainFactory grains, string id, CancellationToken ct)
    {
        var report = EmailContract.ReadReport(await RequestBody.ReadObjectAsync(http.Request, ct));
        var email = await Email(http, grains, id).Report(report);
        return ApiResults.Ok(new EmailData(EmailContract.Resource(email)), email.Version);
    }

    /// <summary>The 1×1 GIF whatever the token (a bad one records nothing and reveals nothing); never cached.</summary>
    private static async Task<IResult> Open(HttpContext http, IGrainFactory grains, string token)
    {
        await Track(grains, token, "open", 0);
        http.Response.Headers.CacheControl = "no-store";
        return Results.Bytes(Pixel, "image/gif");
    }

    private static async Task<IResult> Click(IGrainFactory grains, string token, int link)
    {
        var target = await Track(grains, token, "click", link);
        return string.IsNullOrEmpty(target) ? ApiResults.Error(ApiError.NotFound("Link not found")) : Results.Redirect(target);
    }

    /// <summary>A GET only shows the confirmation (mail scanners follow links); the form's POST unsubscribes (RFC 8058).</summary>
    private static IResult UnsubscribePage(string token) => Results.Content($$"""
        <!doctype html><html><body><form method="post" action="{{System.Net.WebUtility.HtmlEncode(token)}}">
        <input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form></body></html>
        """, "text/html");

    private static async Task<IResult> Unsubscribe(IGrainFactory grains, string token)
    {
        var done = await Track(grains, token, "unsubscribe", 0);
        return done is null ? ApiResults.Error(ApiError.NotFound("Link not found")) : ApiResults.Ok(new UnsubscribedData(true));
    }

    private static async Task<string?> Track(IGrainFactory grains, string token, string kind, int link) =>
        EmailTokens.ReadToken(token) is { } read ? await grains.GetGrain<IEmailGrain>(read.GrainKey).Track(kind, read.Signature, link) : null;

    /// <summary>
    /// Inbound replies and bounces: <c>{"event": "replied"|"bounced"|"unsubscribed", "message_id": "&lt;…&gt;",
    /// "bounce_type": "hard"|"soft", "occurred_at"}</c> with the shared secret in <c>X-Webhook-Secret</c>.
    /// </summary>
    private static async Task<IResult> Inbound(HttpContext http, IGrainFactory grains, IConfiguration configuration, TimeProvider time, CancellationToken ct)
    {
        var secret = configuration["Email:WebhookSecret"];
        var given = http.Request.Headers[WebhookSecretHeader].ToString();
        if (string.IsNullOrEmpty(secret) ||
            !CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(secret))))
        {
            return ApiResults.Error(ApiError.InvalidCredentials("Missing or invalid webhook secret"));
        }
        var body = await RequestBody.ReadObjectAsync(http.Request, ct);
        var fields = new FieldReader(body);
        var kind = fields.Enum("event", ["replied", "bounced", "unsubscribed"], required: true);
        var messageId = fields.String("message_id", required: true, maxLength: 998);
        var bounceType = fields.Enum("bounce_type", ["hard", "soft"]);
        var at = fields.Timestamp("occurred_at");
        if (fields.Has("event") && kind is null)
        {
            fields.Fail("event", "invalid", "event must be replied, bounced or unsubscribed");
        }
        var key = messageId is null ? null : EmailTokens.GrainKeyOf(messageId);
        if (messageId is not null && key is null)
        {
            fields.Fail("message_id", "not_found", "message_id is not one of our emails");
        }
        fields.ThrowIfInvalid();
        var email = await grains.GetGrain<IEmailGrain>(key!).Inbound(new EmailInbound(kind!, bounceType, at ?? time.GetUtcNow()));
        return ApiResults.Ok(new EmailData(EmailContract.Resource(email)));
    }

    private static IEmailGrain Email(HttpContext http, IGrainFactory grains, string? id) => grains.GetGrain<IEmailGrain>(
        EmailKeys.Grain(http.Caller().Partition, ResourceRequests.RequireId(id, EmailKeys.IdPrefix, "Email")));
}
