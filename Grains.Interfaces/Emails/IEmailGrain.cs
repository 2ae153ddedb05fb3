namespace Grains.Interfaces.Emails;

/// <summary>
/// One email (<c>email_</c>), keyed <c>{partition}/{email_id}</c>: rendered when requested, sent when due (a reminder
/// of this grain), tracked afterwards. Its status timeline is kept on the grain.
/// </summary>
public interface IEmailGrain : IGrainWithStringKey
{
    /// <summary>
    /// Renders the template for the contact and schedules the send. 400 <c>missing_variable</c> naming the variable,
    /// 409 <c>conflict.contact_suppressed</c> for an unsubscribed or hard-bounced contact, 409
    /// <c>conflict.sending_account_missing</c> without a sending account.
    /// </summary>
    Task<EmailView> Request(EmailRequest request);

    /// <summary>The email as stored (a read during an SMTP transaction waits for it: it never shows a change not yet committed).</summary>
    Task<EmailView> Get(CancellationToken cancellationToken = default);

    /// <summary>The external executor's report for an <c>event</c>-channel email (<c>sent</c> or <c>failed</c>).</summary>
    Task<EmailView> Report(EmailReport report);

    /// <summary>
    /// A tracked open, click or unsubscribe from a link in the email, verified by its signature. Returns the link's
    /// target for a click, "" otherwise; null when the signature or link does not verify (nothing recorded).
    /// </summary>
    Task<string?> Track(string kind, string signature, int link);

    /// <summary>An inbound provider notification (reply or bounce) for this email.</summary>
    Task<EmailView> Inbound(EmailInbound inbound);

    /// <summary>Sends now if due and not sent yet (what the grain's reminder and timer do; idempotent).</summary>
    Task Nudge();
}

[GenerateSerializer, Immutable, Alias("emails.request")]
public sealed record EmailRequest
{
    [Id(0)] public required string ContactId { get; init; }
    [Id(1)] public required string TemplateId { get; init; }
    [Id(2)] public IReadOnlyDictionary<string, string> Variables { get; init; } = new Dictionary<string, string>();
    [Id(3)] public DateTimeOffset? ScheduledFor { get; init; }
    [Id(4)] public bool TrackOpens { get; init; } = true;
    [Id(5)] public bool TrackClicks { get; init; } = true;

    /// <summary>
    /// For a caller that tracks its own outcome (a campaign step): an email due now on the <c>event</c> channel is
    /// published (<c>email.send_requested</c>) in the same write that stores it, with no reminder of its own. The
    /// API's send leaves it false: its answer is the documented <c>scheduled</c>, and the send follows.
    /// </summary>
    [Id(6)] public bool PublishAtOnce { get; init; }
}

[GenerateSerializer, Immutable, Alias("emails.report")]
public sealed record EmailReport([property: Id(0)] string Status, [property: Id(1)] string? ProviderId, [property: Id(2)] string? Error);

[GenerateSerializer, Immutable, Alias("emails.inbound")]
public sealed record EmailInbound([property: Id(0)] string Event, [property: Id(1)] string? BounceType, [property: Id(2)] DateTimeOffset At);

[GenerateSerializer, Immutable, Alias("emails.status-change")]
public sealed record EmailStatusChange([property: Id(0)] string Status, [property: Id(1)] DateTimeOffset At, [property: Id(2)] string? Detail);

[GenerateSerializer, Immutable, Alias("emails.view")]
public sealed record EmailView
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string ContactId { get; init; }
    [Id(2)] public required string TemplateId { get; init; }
    [Id(3)] public string Subject { get; init; } = "";
    [Id(4)] public required string Status { get; init; }
    [Id(5)] public required string Channel { get; init; }
    [Id(6)] public DateTimeOffset ScheduledFor { get; init; }
    [Id(7)] public required string MessageId { get; init; }
    [Id(8)] public bool TrackOpens { get; init; }
    [Id(9)] public bool TrackClicks { get; init; }
    [Id(10)] public DateTimeOffset? SentAt { get; init; }
    [Id(11)] public DateTimeOffset? OpenedAt { get; init; }
    [Id(12)] public DateTimeOffset? ClickedAt { get; init; }
    [Id(13)] public DateTimeOffset? RepliedAt { get; init; }
    [Id(14)] public DateTimeOffset? BouncedAt { get; init; }
    [Id(15)] public DateTimeOffset? UnsubscribedAt { get; init; }
    [Id(16)] public DateTimeOffset? FailedAt { get; init; }
    [Id(17)] public string? Error { get; init; }
    [Id(18)] public string? ProviderId { get; init; }
    [Id(19)] public int Attempts { get; init; }
    [Id(20)] public int Opens { get; init; }
    [Id(21)] public int Clicks { get; init; }
    [Id(22)] public IReadOnlyList<EmailStatusChange> Timeline { get; init; } = [];
    [Id(23)] public long Version { get; init; }
    [Id(24)] public DateTimeOffset CreatedAt { get; init; }
    [Id(25)] public DateTimeOffset UpdatedAt { get; init; }
}

public static class EmailKeys
{
    public const string IdPrefix = "email";
    public const string ResourceType = "email";

    public static string Grain(string partition, string emailId) => $"{partition}/{emailId}";
}

public static class EmailStatuses
{
    public const string Scheduled = "scheduled";
    public const string Sending = "sending";
    public const string SendRequested = "send_requested";
    public const string Sent = "sent";
    public const string Opened = "opened";
    public const string Clicked = "clicked";
    public const string Replied = "replied";
    public const string Unsubscribed = "unsubscribed";
    public const string Bounced = "bounced";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
}

/// <summary>The tenant's way of sending email (one per partition): SMTP through its own server, or events for an external executor.</summary>
public interface ISendingAccountGrain : IGrainWithStringKey
{
    Task<SendingAccountView> Save(SendingAccountInput input);

    /// <summary>404 when none is set.</summary>
    Task<SendingAccountView> Get();
}

[GenerateSerializer, Immutable, Alias("emails.account-input")]
public sealed record SendingAccountInput
{
    [Id(0)] public required string Channel { get; init; }
    [Id(1)] public required string FromEmail { get; init; }
    [Id(2)] public string? FromName { get; init; }
    [Id(3)] public string? Host { get; init; }
    [Id(4)] public int? Port { get; init; }
    [Id(5)] public string? Tls { get; init; }
    [Id(6)] public string? Username { get; init; }
    [Id(7)] public string? Password { get; init; }
}

/// <summary>The account as shown: never the password, only whether one is set.</summary>
[GenerateSerializer, Immutable, Alias("emails.account-view")]
public sealed record SendingAccountView
{
    [Id(0)] public required string Channel { get; init; }
    [Id(1)] public required string FromEmail { get; init; }
    [Id(2)] public string? FromName { get; init; }
    [Id(3)] public string? Host { get; init; }
    [Id(4)] public int? Port { get; init; }
    [Id(5)] public string? Tls { get; init; }
    [Id(6)] public string? Username { get; init; }
    [Id(7)] public bool PasswordSet { get; init; }
    [Id(8)] public DateTimeOffset UpdatedAt { get; init; }
}

public static class SendingChannels
{
    public const string Smtp = "smtp";
    public const string Event = "event";
    public static readonly IReadOnlyList<string> All = [Smtp, Event];

    /// <summary><c>none</c>: plain; <c>starttls</c>: upgrade required; <c>ssl</c>: TLS from the first byte (465).</summary>
    public static readonly IReadOnlyList<string> TlsModes = ["none", "starttls", "ssl"];
}
