using System.Text.Json;
using System.Text.Json.Serialization;
using Grains.Encryption;
using Grains.Idempotency;
using Grains.Interfaces.Emails;
using Grains.Interfaces.Events;
using Grains.Interfaces.Projections;
using Grains.Platform;
using Grains.Resources;

namespace Grains.Emails;

[GenerateSerializer, Alias("emails.state")]
public sealed class EmailState : ResourceState<EmailRecord>;

/// <summary>An email as stored: the recipient, subject and both rendered parts sealed with the tenant's key; status and times plain.</summary>
[GenerateSerializer, Immutable, Alias("emails.record")]
public sealed record EmailRecord
{
    [Id(0)] public required EmailView Plain { get; init; }
    [Id(1)] public required string To { get; init; }
    [Id(2)] public required string Subject { get; init; }
    [Id(3)] public required string Text { get; init; }
    [Id(4)] public required string Html { get; init; }

    /// <summary>The HTML part's links; a click URL carries only an index into these (no open redirect).</summary>
    [Id(5)] public IReadOnlyList<string> Links { get; init; } = [];

    /// <summary>When a transient failure's retry is due (the reminder does not send earlier).</summary>
    [Id(6)] public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>
    /// Due when requested: its durability until sent is the partition's <see cref="EmailSchedulerGrain"/> sweep (the
    /// projection row carries the pending filter), not a reminder of its own.
    /// </summary>
    [Id(7)] public bool Swept { get; init; }

    /// <summary>Still to be sent by this silo side (SMTP or the event hand-off).</summary>
    public bool Unsent => Plain.Status is EmailStatuses.Scheduled or EmailStatuses.Sending;
}

public static class EmailRecords
{
    /// <summary>How far a status has come: engagement only moves an email forward (a late open does not undo a reply).</summary>
    private static readonly string[] Progress =
        [EmailStatuses.Sent, EmailStatuses.Opened, EmailStatuses.Clicked, EmailStatuses.Replied, EmailStatuses.Unsubscribed, EmailStatuses.Bounced];

    public sealed record Rendered(string To, string Subject, string Text, string Html);

    public static EmailRecord Seal(EmailView view, Rendered rendered, IReadOnlyList<string> links, TenantCrypto crypto, string grainKey)
    {
        var fields = new SealedFields(crypto, grainKey);
        return new EmailRecord
        {
            Plain = view with { Subject = "" },
            To = fields.Seal(rendered.To, null, null, "to"),
            Subject = fields.Seal(rendered.Subject, null, null, "subject"),
            Text = fields.Seal(rendered.Text, null, null, "text"),
            Html = fields.Seal(rendered.Html, null, null, "html"),
            Links = links,
        };
    }

    public static Rendered Open(EmailRecord record, TenantCrypto crypto, string grainKey)
    {
        var fields = new SealedFields(crypto, grainKey);
        return new Rendered(fields.Open(record.To, "to"), fields.Open(record.Subject, "subject"), fields.Open(record.Text, "text"),
            fields.Open(record.Html, "html"));
    }

    /// <summary>The view with the status moved (or kept, when <paramref name="status"/> is behind) and the change on the timeline.</summary>
    /// <remarks>
    /// Lists in stored state are arrays: a collection expression typed as an interface makes a compiler-generated list
    /// type that Orleans' serializer has no codec for, and it looks one up again by reflection on every write.
    /// </remarks>
    public static EmailView Moved(EmailView view, string status, DateTimeOffset at, string? detail = null)
    {
        var next = Array.IndexOf(Progress, status);
        var ahead = next >= 0 && Array.IndexOf(Progress, view.Status) > next;
        EmailStatusChange[] timeline = [.. view.Timeline, new EmailStatusChange(status, at, detail)];
        return view with { Status = ahead ? view.Status : status, Timeline = timeline, UpdatedAt = at };
    }

    public static ProjectionRow ToRow(string partition, EmailRecord record) => new(partition, EmailKeys.ResourceType, record.Plain.Id,
        record.Plain.Version, record.Plain.Status, record.Plain.CreatedAt, record.Plain.UpdatedAt,
        record.Swept && record.Unsent
            ? new Dictionary<string, string>
            {
                ["contact_id"] = record.Plain.ContactId, ["template_id"] = record.Plain.TemplateId,
                [EmailSchedulerGrain.PendingFilter] = EmailSchedulerGrain.PendingValue,
            }
            : new Dictionary<string, string> { ["contact_id"] = record.Plain.ContactId, ["template_id"] = record.Plain.TemplateId },
        [], JsonSerializer.Serialize(record.Plain, EmailDocumentJson.Default.EmailView));
}

/// <summary>
/// The projection document (snake_case, web defaults): generated at build time, since every change of every email
/// writes its row (the same JSON as the reflection-based serializer with these options).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(EmailView))]
public sealed partial class EmailDocumentJson : JsonSerializerContext;
