using System.Text.Json;
using System.Text.Json.Nodes;
using ApiHost.Api;
using Grains.Interfaces.Contacts;
using Grains.Interfaces.Emails;

namespace ApiHost.Emails;

/// <summary>SalesOS email, template and sending-account objects on the wire.</summary>
public static class EmailContract
{
    public const int MaxVariables = 100;

    public static EmailTemplateFields ReadTemplate(JsonElement body, bool creating)
    {
        var fields = new FieldReader(body);
        var name = fields.String("name", required: creating || fields.Has("name"));
        var subject = fields.String("subject", required: creating || fields.Has("subject"), maxLength: EmailTemplateKeys.MaxSubjectLength);
        var text = fields.String("body", required: creating || fields.Has("body"), maxLength: EmailTemplateKeys.MaxBodyLength);
        var html = fields.String("html_body", maxLength: EmailTemplateKeys.MaxBodyLength);
        var variables = fields.StringList("variables", maxItems: MaxVariables, maxLength: 64);
        fields.ThrowIfInvalid();
        return new EmailTemplateFields
        {
            Name = name, Subject = subject, Body = text, HtmlBody = string.IsNullOrEmpty(html) ? null : html, Variables = variables,
            Cleared = creating ? [] : ResourceRequests.ClearedFields(body, ["html_body"]),
        };
    }

    public static EmailRequest ReadSend(JsonElement body)
    {
        var fields = new FieldReader(body);
        var contactId = fields.String("contact_id", required: true, maxLength: 64);
        var templateId = fields.String("template_id", required: true, maxLength: 64);
        var scheduledFor = fields.Timestamp("scheduled_for");
        var trackOpens = fields.Boolean("track_opens");
        var trackClicks = fields.Boolean("track_clicks");
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        if (body.TryGetProperty("variables", out var given) && given.ValueKind != JsonValueKind.Null)
        {
            if (given.ValueKind != JsonValueKind.Object)
            {
                fields.Fail("variables", "invalid", "variables must be an object of names to values");
            }
            else
            {
                foreach (var variable in given.EnumerateObject().Take(MaxVariables + 1))
                {
                    if (variables.Count == MaxVariables)
                    {
                        fields.Fail("variables", "too_many", $"variables may have at most {MaxVariables} entries");
                        break;
                    }
                    variables[variable.Name] = variable.Value.ValueKind switch
                    {
                        JsonValueKind.String => variable.Value.GetString()!,
                        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => variable.Value.GetRawText(),
                        _ => Fail(fields, variable.Name),
                    };
                }
            }
        }
        if (contactId is not null && !ResourceRequests.IsWellFormedId(contactId, ContactKeys.IdPrefix))
        {
            fields.Fail("contact_id", "not_found", "Contact not found");
        }
        if (templateId is not null && !ResourceRequests.IsWellFormedId(templateId, EmailTemplateKeys.IdPrefix))
        {
            fields.Fail("template_id", "not_found", "Template not found");
        }
        fields.ThrowIfInvalid();
        return new EmailRequest
        {
            ContactId = contactId!, TemplateId = templateId!, Variables = variables, ScheduledFor = scheduledFor,
            TrackOpens = trackOpens ?? true, TrackClicks = trackClicks ?? true,
        };
    }

    public static SendingAccountInput ReadAccount(JsonElement body)
    {
        var fields = new FieldReader(body);
        var channel = fields.Enum("channel", SendingChannels.All, required: true);
        var from = fields.Email("from_email", required: true);
        var fromName = fields.String("from_name");
        var host = fields.String("host");
        var port = fields.Integer("port", min: 1, max: 65535);
        var tls = fields.Enum("tls", SendingChannels.TlsModes);
        var username = fields.String("username");
        var password = fields.String("password", maxLength: 1024);
        if (fields.Has("channel") && channel is null)
        {
            fields.Fail("channel", "invalid", $"channel must be one of: {string.Join(", ", SendingChannels.All)}");
        }
        if (fields.Has("tls") && tls is null)
        {
            fields.Fail("tls", "invalid", $"tls must be one of: {string.Join(", ", SendingChannels.TlsModes)}");
        }
        fields.ThrowIfInvalid();
        return new SendingAccountInput
        {
            Channel = channel!, FromEmail = from!, FromName = fromName, Host = host, Port = port, Tls = tls, Username = username, Password = password,
        };
    }

    public static EmailReport ReadReport(JsonElement body)
    {
        var fields = new FieldReader(body);
        var status = fields.Enum("status", [EmailStatuses.Sent, EmailStatuses.Failed], required: true);
        if (fields.Has("status") && status is null)
        {
            fields.Fail("status", "invalid", "status must be sent or failed");
        }
        var providerId = fields.String("provider_id");
        var error = fields.String("error", maxLength: 2000);
        fields.ThrowIfInvalid();
        return new EmailReport(status!, providerId, error);
    }

    public static EmailResource Resource(EmailView e) => new(e.Id, e.ContactId, e.TemplateId, e.Subject, e.Status, e.Channel, e.MessageId,
        e.ScheduledFor, e.TrackOpens, e.TrackClicks, e.SentAt, e.OpenedAt, e.ClickedAt, e.RepliedAt, e.BouncedAt, e.UnsubscribedAt, e.FailedAt,
        e.Error, e.ProviderId, e.Attempts, e.Opens, e.Clicks, [.. e.Timeline.Select(t => new EmailTimelineEntry(t.Status, t.At, t.Detail))],
        e.Version, e.CreatedAt, e.UpdatedAt);

    public static EmailTemplateResource Resource(EmailTemplateView t) =>
        new(t.Id, t.Name, t.Subject, t.Body, t.HtmlBody, t.Variables, t.Version, t.CreatedAt, t.UpdatedAt);

    public static JsonObject ToJson(EmailTemplateView t) => Wire.ToObject(Resource(t));

    public static SendingAccountResource Resource(SendingAccountView a) =>
        new(a.Channel, a.FromEmail, a.FromName, a.Host, a.Port, a.Tls, a.Username, a.PasswordSet, a.UpdatedAt);

    private static string Fail(FieldReader fields, string name)
    {
        fields.Fail($"variables.{name}", "invalid", $"variables.{name} must be a string, number or boolean");
        return "";
    }
}
