using Grains.Contacts;
using Grains.Encryption;
using Grains.Events;
using Grains.Interfaces.Contacts;
using Grains.Interfaces.Emails;
using Grains.Interfaces.Events;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Projections;
using Grains.Interfaces.Telemetry;
using Grains.Projections;
using Grains.Resources;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Grains.Emails;

/// <summary>
/// One email: rendered and stored (sealed) when requested, sent when due (a timer; the partition's sweep or its own reminder), then
/// tracked. The send path (<c>EmailGrain.Delivery.cs</c>) records each attempt before it talks to SMTP, and every
/// attempt carries the Message-ID made at request time.
/// </summary>
public sealed partial class EmailGrain(
    [PersistentState("email")] IPersistentState<EmailState> state,
    IGrainFactory grains,
    IProjectionStore projections,
    TenantKeyCache keys,
    SmtpDelivery smtp,
    SchedulerWatches watches,
    IOptions<EmailOptions> options,
    TimeProvider time,
    ILogger<EmailGrain> logger) : ResourceGrain<EmailState, EmailRecord>(state, projections, logger), IEmailGrain
{
    public async Task<EmailView> Request(EmailRequest request)
    {
        EnsureNew("An email");
        var contact = await Referenced(() => Contact(request.ContactId).Get(), "contact_id", "Contact");
        if (contact.Suppressed)
        {
            throw DomainException.Conflict("conflict.contact_suppressed",
                $"Contact {contact.Id} {(contact.UnsubscribedAt is not null ? "unsubscribed" : "hard-bounced")} and is never emailed again");
        }
        var template = await Referenced(() => grains.GetGrain<IEmailTemplateGrain>(EmailTemplateKeys.Grain(Partition, request.TemplateId)).Get(),
            "template_id", "Template");
        var account = await grains.GetGrain<ISendingAccountSource>(Partition).Account()
            ?? throw DomainException.Conflict("conflict.sending_account_missing", "Set the sending account (PUT /v1/emails/sending-account) first");

        var values = await Values(contact, request.Variables);
        var subject = EmailTemplating.Plain(template.Subject, values, "subject");
        var text = EmailTemplating.Plain(template.Body, values, "body");
        var html = template.HtmlBody is { } htmlBody
            ? EmailTemplating.Html(htmlBody, values, "html_body")
            : EmailMessages.HtmlFromText(EmailTemplating.Html(template.Body, values, "body"));

        var now = time.GetUtcNow();
        var due = request.ScheduledFor is { } at && at > now ? at : now;
        EmailStatusChange[] timeline = [new EmailStatusChange(EmailStatuses.Scheduled, now, null)];   // an array: see EmailRecords.Moved
        var view = new EmailView
        {
            Id = ResourceId, ContactId = contact.Id, TemplateId = template.Id, Subject = subject, Status = EmailStatuses.Scheduled,
            Channel = account.View.Channel, ScheduledFor = due, MessageId = EmailTokens.MessageId(Partition, ResourceId, account.View.FromEmail),
            TrackOpens = request.TrackOpens, TrackClicks = request.TrackClicks,
            Timeline = timeline, Version = 1, CreatedAt = now, UpdatedAt = now,
        };
        var crypto = await keys.ForTenant(TenantId);
        var rendered = new EmailRecords.Rendered(contact.Email, subject, text, html);
        var record = EmailRecords.Seal(view, rendered, EmailMessages.Links(html), crypto, GrainKey);
        if (request.PublishAtOnce && due <= now && account.View.Channel == SendingChannels.Event)
        {
            // One write: stored and handed to the executor together; nothing left to schedule.
            var (published, requested) = SendRequested(record, account, rendered, crypto, now);
            await Commit(published, requested);
            return published.Plain;
        }
        if (due - now < options.Value.ReminderPeriod)
        {
            // Due now: the partition's sweep (armed before the commit) carries it; a timer sends it. Over SMTP its first
            // attempt is recorded in this write (Attempts = 1), so that send needs no write of its own.
            await watches.Watch(Partition);
            claimedAttempt = due <= now && account.View.Channel == SendingChannels.Smtp;
            var stored = record with { Swept = true, Plain = record.Plain with { Attempts = claimedAttempt ? 1 : 0 } };
            await Commit(stored, []);
            // The timer's send uses these instead of opening the sealed parts again and asking for the account.
            prepared = claimedAttempt ? new Prepared(Existing(), rendered, account) : null;
            ArmTimer(due - now);
            return view with { Attempts = stored.Plain.Attempts };
        }
        await Commit(record, []);
        await ArmSend(due - now);
        return view;
    }

    public async Task<EmailView> Get(CancellationToken cancellationToken = default) => Shown(Existing(), await keys.ForTenant(TenantId));

    public async Task<EmailView> Report(EmailReport report)
    {
        var record = Existing();
        if (record.Plain.Channel != SendingChannels.Event || record.Plain.Status != EmailStatuses.SendRequested)
        {
            throw DomainException.Conflict("conflict.email_not_awaiting_report",
                $"Only an event-channel email in send_requested takes a report (this one is {record.Plain.Channel}, {record.Plain.Status})");
        }
        var now = time.GetUtcNow();
        if (report.Status == EmailStatuses.Sent)
        {
            await Commit(record with { Plain = EmailRecords.Moved(record.Plain, EmailStatuses.Sent, now, report.ProviderId) with
            {
                SentAt = now, ProviderId = report.ProviderId, Version = Current.Version + 1,
            } }, Outbox.Event("email.sent", now, new { email_id = ResourceId, contact_id = record.Plain.ContactId, provider_id = report.ProviderId, sent_at = now }));
            SalesboothMetrics.EmailOutcome(EmailStatuses.Sent);
            await Engage(EngagementKinds.Sent, now);
        }
        else
        {
            await Fail(record, report.Error ?? "reported failed by the executor", now);
        }
        return await Get();
    }

    public async Task<string?> Track(string kind, string signature, int link)
    {
        if (Current.Record is not { } record)
        {
            return null;
        }
        var expected = EmailMessages.Signature(await keys.ForTenant(TenantId), GrainKey);
        if (!System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.ASCII.GetBytes(signature), System.Text.Encoding.ASCII.GetBytes(expected)))
        {
            return null;
        }
        var now = time.GetUtcNow();
        var v = record.Plain;
        switch (kind)
        {
            case "open":
                await Engaged(record, v with { Opens = v.Opens + 1, OpenedAt = v.OpenedAt ?? now }, v.OpenedAt is null,
                    EmailStatuses.Opened, "email.opened", EngagementKinds.Opened, now, new { email_id = v.Id, contact_id = v.ContactId, opened_at = now });
                return "";
            case "click" when link >= 0 && link < record.Links.Count:
                await Engaged(record, v with { Clicks = v.Clicks + 1, ClickedAt = v.ClickedAt ?? now }, v.ClickedAt is null,
                    EmailStatuses.Clicked, "email.clicked", EngagementKinds.Clicked, now,
                    new { email_id = v.Id, contact_id = v.ContactId, url = record.Links[link], clicked_at = now });
                return record.Links[link];
            case "unsubscribe":
                await Engaged(record, v with { UnsubscribedAt = v.UnsubscribedAt ?? now }, v.UnsubscribedAt is null,
                    EmailStatuses.Unsubscribed, "email.unsubscribed", EngagementKinds.Unsubscribed, now,
                    new { email_id = v.Id, contact_id = v.ContactId, unsubscribed_at = now });
                return "";
            default:
                return null;
        }
    }

    public async Task<EmailView> Inbound(EmailInbound inbound)
    {
        var record = Existing();
        var v = record.Plain;
        switch (inbound.Event)
        {
            case "replied":
                await Engaged(record, v with { RepliedAt = v.RepliedAt ?? inbound.At }, v.RepliedAt is null, EmailStatuses.Replied,
                    "email.replied", EngagementKinds.Replied, inbound.At, new { email_id = v.Id, contact_id = v.ContactId, replied_at = inbound.At });
                break;
            case "unsubscribed":
                await Engaged(record, v with { UnsubscribedAt = v.UnsubscribedAt ?? inbound.At }, v.UnsubscribedAt is null,
                    EmailStatuses.Unsubscribed, "email.unsubscribed", EngagementKinds.Unsubscribed, inbound.At,
                    new { email_id = v.Id, contact_id = v.ContactId, unsubscribed_at = inbound.At });
                break;
            default:
                var hard = inbound.BounceType == "hard";
                await Engaged(record, v with { BouncedAt = v.BouncedAt ?? inbound.At }, v.BouncedAt is null, EmailStatuses.Bounced,
                    "email.bounced", hard ? EngagementKinds.HardBounced : null, inbound.At,
                    new { email_id = v.Id, contact_id = v.ContactId, bounce_type = hard ? "hard" : "soft", bounced_at = inbound.At });
                break;
        }
        return await Get();
    }

    /// <summary>A tracked signal: the email's change (the first of its kind also moves the status and fires the event), then the contact's score.</summary>
    private async Task Engaged(EmailRecord record, EmailView changed, bool first, string status, string eventType, string? contactSignal,
        DateTimeOffset at, object payload)
    {
        var next = first ? EmailRecords.Moved(changed, status, at) : changed with { UpdatedAt = at };
        await Commit(record with { Plain = next with { Version = Current.Version + 1 } },
            first ? [Outbox.Event(eventType, at, payload)] : []);
        if (first && contactSignal is not null)
        {
            await Engage(contactSignal, at);
        }
    }

    /// <summary>The contact's side, after the email's change is stored (a failure is logged: the email's record stands).</summary>
    private async Task Engage(string kind, DateTimeOffset at)
    {
        try
        {
            await Contact(Existing().Plain.ContactId).RecordEngagement(new EngagementSignal(kind, ResourceId, at));
        }
        catch (DomainException ex) when (ex.IsNotFound)
        {
            // The contact was deleted meanwhile: nothing to score.
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Recording {Kind} of {Email} on its contact failed", kind, GrainKey);
        }
    }

    /// <summary>The values a template sees: the contact's (first_name, last_name, name, email, title, company_name) under the request's.</summary>
    private async Task<Dictionary<string, string>> Values(ContactView contact, IReadOnlyDictionary<string, string> given)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        void Put(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                values[name] = value;
            }
        }
        Put("first_name", contact.FirstName);
        Put("last_name", contact.LastName);
        Put("name", contact.Name);
        Put("email", contact.Email);
        Put("title", contact.Title);
        if (contact.AccountId is { } accountId)
        {
            try
            {
                Put("company_name", (await grains.GetGrain<IAccountGrain>(AccountKeys.Grain(Partition, accountId)).Get()).Name);
            }
            catch (DomainException ex) when (ex.IsNotFound)
            {
                // A deleted account leaves company_name to the request.
            }
        }
        foreach (var (name, value) in given)
        {
            values[name] = value;
        }
        return values;
    }

    private IContactGrain Contact(string contactId) => grains.GetGrain<IContactGrain>(ContactKeys.Grain(Partition, contactId));

    private static async Task<T> Referenced<T>(Func<Task<T>> get, string field, string what)
    {
        try
        {
            return await get();
        }
        catch (DomainException ex) when (ex.IsNotFound)
        {
            throw DomainException.Invalid(field, "not_found", $"{what} not found");
        }
    }

    private const string What = "Email";

    private EmailRecord Existing() => Existing(What);

    private EmailView Shown(EmailRecord record, TenantCrypto crypto) =>
        record.Plain with { Subject = new SealedFields(crypto, GrainKey).Open(record.Subject, "subject") };

    protected override async Task<object?> ReplayResult(object? stored) =>
        stored is EmailRecord record ? Shown(record, await keys.ForTenant(TenantId)) : stored;

    protected override string ResourceType => EmailKeys.ResourceType;

    protected override ProjectionRow ToRow(EmailRecord record) => EmailRecords.ToRow(Partition, record);
}
