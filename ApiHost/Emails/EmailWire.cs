using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using ApiHost.Api;
using Grains.Interfaces.Emails;

namespace ApiHost.Emails;

/// <summary>An email (SalesOS §Emails) with its status timeline.</summary>
public sealed record EmailResource(
    string Id, string ContactId, string TemplateId, string Subject, string Status, string Channel, string MessageId, DateTimeOffset ScheduledFor,
    bool TrackOpens, bool TrackClicks, DateTimeOffset? SentAt, DateTimeOffset? OpenedAt, DateTimeOffset? ClickedAt, DateTimeOffset? RepliedAt,
    DateTimeOffset? BouncedAt, DateTimeOffset? UnsubscribedAt, DateTimeOffset? FailedAt, string? Error, string? ProviderId, int Attempts, int Opens,
    int Clicks, IReadOnlyList<EmailTimelineEntry> Timeline, long Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record EmailTimelineEntry(string Status, DateTimeOffset At, string? Detail);

public sealed record EmailData(EmailResource Email);

public sealed record EmailTemplateResource(string Id, string Name, string Subject, string Body, string? HtmlBody, IReadOnlyList<string> Variables,
    long Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record EmailTemplateData(EmailTemplateResource Template);

public sealed record EmailTemplateList(IReadOnlyList<EmailTemplateResource> Templates, Pagination Pagination);

public sealed record SendingAccountResource(string Channel, string FromEmail, string? FromName, string? Host, int? Port, string? Tls,
    string? Username, bool PasswordSet, DateTimeOffset UpdatedAt);

public sealed record SendingAccountData(SendingAccountResource SendingAccount);

public sealed record UnsubscribedData(bool Unsubscribed);

public record EmailTemplatePatch : IApiRequest
{
    [MaxLength(FieldReader.NameMaxLength)] public virtual string? Name { get; init; }
    [MaxLength(EmailTemplateKeys.MaxSubjectLength), Description("{{variable}}, {variable} placeholders")] public virtual string? Subject { get; init; }
    [MaxLength(EmailTemplateKeys.MaxBodyLength), Description("The plain-text part")] public virtual string? Body { get; init; }
    [MaxLength(EmailTemplateKeys.MaxBodyLength), Description("The HTML part; default the text part, escaped")] public string? HtmlBody { get; init; }
    [Description("The variables the template needs; default those its text names")] public IReadOnlyList<string>? Variables { get; init; }
}

public sealed record EmailTemplateInput : EmailTemplatePatch
{
    [Required, MaxLength(FieldReader.NameMaxLength)] public override string? Name { get; init; }
    [Required, MaxLength(EmailTemplateKeys.MaxSubjectLength)] public override string? Subject { get; init; }
    [Required, MaxLength(EmailTemplateKeys.MaxBodyLength)] public override string? Body { get; init; }
}

public sealed record EmailSendBody : IApiRequest
{
    [Required, MaxLength(64)] public string? ContactId { get; init; }
    [Required, MaxLength(64)] public string? TemplateId { get; init; }
    [Description("Variable name → value (strings, numbers, booleans); a variable the template needs and nobody gives is 400")]
    public IReadOnlyDictionary<string, string>? Variables { get; init; }
    [Description("Send later (default now)")] public DateTimeOffset? ScheduledFor { get; init; }
    public bool? TrackOpens { get; init; }
    public bool? TrackClicks { get; init; }
}

public sealed record SendingAccountBody : IApiRequest
{
    [Required, OneOf(typeof(SendingChannels), nameof(SendingChannels.All))] public string? Channel { get; init; }
    [Required, EmailAddress] public string? FromEmail { get; init; }
    [MaxLength(FieldReader.NameMaxLength)] public string? FromName { get; init; }
    [Description("smtp: the server")] public string? Host { get; init; }
    [Range(1, 65535)] public int? Port { get; init; }
    [OneOf(typeof(SendingChannels), nameof(SendingChannels.TlsModes))] public string? Tls { get; init; }
    public string? Username { get; init; }
    [MaxLength(1024), Description("Stored encrypted, never shown again")] public string? Password { get; init; }
}

public sealed record EmailReportBody : IApiRequest
{
    [Required, Description("sent or failed")] public string? Status { get; init; }
    public string? ProviderId { get; init; }
    [MaxLength(2000)] public string? Error { get; init; }
}

/// <summary>
/// The inbound receiver's body (a mail provider's forwarder or an executor): what happened to one of our emails,
/// found by its Message-ID.
/// </summary>
public sealed record EmailWebhookBody : IApiRequest
{
    [Required, Description("replied, bounced or unsubscribed")] public string? Event { get; init; }
    [Required, MaxLength(998), Description("The Message-ID we sent, with or without angle brackets")] public string? MessageId { get; init; }
    [Description("hard or soft (bounced); a hard bounce suppresses the contact")] public string? BounceType { get; init; }
    public DateTimeOffset? OccurredAt { get; init; }
}
