using Grains.Contacts;
using Grains.Encryption;
using Grains.Events;
using Grains.Interfaces.Contacts;
using Grains.Interfaces.Emails;
using Grains.Interfaces.Events;
using Grains.Interfaces.Telemetry;
using Microsoft.Extensions.Logging;

namespace Grains.Emails;

/// <summary>
/// The send: a timer sends an email due now (and runs retries); what survives deactivation and silo loss is the
/// partition's <see cref="EmailSchedulerGrain"/> sweep for an email due now, or the grain's own reminder for one due
/// later. An SMTP attempt is stored (<c>sending</c>, attempt n; the first one of an email due at request in its first
/// write) before the SMTP transaction; a crash in it leaves the attempt recorded, and the next wake-up sends again
/// with the same Message-ID.
/// </summary>
public sealed partial class EmailGrain
{
    public const string SendReminder = "email-send";
    private IGrainTimer? sendTimer;

    // The reminder as registered by this activation (saves reading it back to remove it); null after a reactivation.
    private IGrainReminder? sendReminder;

    // This activation stored the email with its first attempt recorded (Attempts = 1, still scheduled) and has not made
    // it yet. Any other activation that finds such an email counts that attempt as made (it may have been).
    private bool claimedAttempt;

    /// <summary>What the request rendered and sent with, kept for the first attempt it claimed (valid while the record is the one it stored).</summary>
    private sealed record Prepared(EmailRecord Record, EmailRecords.Rendered Rendered, SendingAccountRecord Account);

    private Prepared? prepared;

    public Task Nudge() => Deliver();

    public override async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == SendReminder)
        {
            await Deliver();
            return;
        }
        await base.ReceiveReminder(reminderName, status);
    }

    /// <summary>An email due later than a reminder period: its own reminder, due when the email is.</summary>
    private async Task ArmSend(TimeSpan due) =>
        sendReminder = await this.RegisterOrUpdateReminder(SendReminder, due, options.Value.ReminderPeriod);

    /// <summary>A timer for the exact time (the first send of an email due now, and retries).</summary>
    private void ArmTimer(TimeSpan due)
    {
        sendTimer?.Dispose();
        sendTimer = this.RegisterGrainTimer(_ => Deliver(), due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
    }

    private async Task Deliver()
    {
        if (Current.Record is not { } record)
        {
            await Disarm();
            return;
        }
        var v = record.Plain;
        var now = time.GetUtcNow();
        if (v.Status is not (EmailStatuses.Scheduled or EmailStatuses.Sending))
        {
            await Disarm();
            return;
        }
        if (v.ScheduledFor > now || record.NextAttemptAt > now)
        {
            return;
        }
        // The first attempt, right after the request in the same activation, sends what the request rendered to the
        // contact it found sendable (its check is milliseconds old); any later attempt or activation checks again.
        var ready = prepared is { } p && ReferenceEquals(p.Record, record) ? p : null;
        prepared = null;
        if (ready is null && await Unsendable(v.ContactId) is { } reason)
        {
            await Cancel(record, reason, now);
            return;
        }
        var account = ready?.Account ?? await grains.GetGrain<ISendingAccountSource>(Partition).Account();
        if (account is null)
        {
            await Fail(record, "no sending account", now);
            return;
        }
        var crypto = await keys.ForTenant(TenantId);
        var rendered = ready?.Rendered ?? EmailRecords.Open(record, crypto, GrainKey);
        if (account.View.Channel == SendingChannels.Event)
        {
            // The external executor sends it and reports back (POST /v1/emails/{id}/report).
            var (requested, evt) = SendRequested(Unclaimed(record), account, rendered, crypto, now);
            await Commit(requested, evt);
            await Disarm();
            return;
        }
        var message = Message(record.Plain, account, rendered, crypto);

        // Record the attempt before the SMTP transaction (the first one of an email due at request is in its first write).
        int attempt;
        if (claimedAttempt && v is { Status: EmailStatuses.Scheduled, Attempts: 1 })
        {
            claimedAttempt = false;
            attempt = 1;
            record = record with { Plain = ClaimedAttempt(v) };
        }
        else
        {
            claimedAttempt = false;
            attempt = v.Attempts + 1;
            record = record with
            {
                Plain = EmailRecords.Moved(ClaimedAttempt(v), EmailStatuses.Sending, now, $"attempt {attempt}") with
                {
                    Attempts = attempt, Version = Current.Version + 1,
                },
                NextAttemptAt = null,
            };
            await Commit(record, []);
        }

        var smtpAccount = account.View;
        var settings = new SmtpSettings(smtpAccount.Host!, smtpAccount.Port ?? 587, smtpAccount.Tls ?? "starttls", smtpAccount.Username,
            account.SealedPassword is { } sealedPassword ? crypto.Decrypt(sealedPassword, SendingAccountGrain.PasswordContext(Partition)) : null);
        var result = await smtp.Send(Partition, settings, message);
        now = time.GetUtcNow();
        switch (result.Outcome)
        {
            case SmtpOutcome.Sent:
                await Commit(record with { Plain = EmailRecords.Moved(record.Plain, EmailStatuses.Sent, now) with { SentAt = now, Version = Current.Version + 1 } },
                    Outbox.Event("email.sent", now, new { email_id = v.Id, contact_id = v.ContactId, message_id = v.MessageId, sent_at = now }));
                await Disarm();
                SalesboothMetrics.EmailOutcome(EmailStatuses.Sent);
                await Engage(EngagementKinds.Sent, now);
                break;
            case SmtpOutcome.Transient when attempt < options.Value.MaxAttempts:
                var delay = options.Value.FirstRetryDelay * Math.Pow(2, attempt - 1);
                logger.LogInformation("Email {Email} attempt {Attempt} failed ({Error}); retrying in {Delay}", GrainKey, attempt, result.Error, delay);
                await Commit(record with
                {
                    Plain = EmailRecords.Moved(record.Plain, EmailStatuses.Sending, now, $"attempt {attempt} failed: {result.Error}") with { Version = Current.Version + 1 },
                    NextAttemptAt = now + delay,
                }, []);
                ArmTimer(delay);
                break;
            default:
                await Fail(record, result.Error ?? "refused", now);
                break;
        }
    }

    /// <summary>Why the contact may not be emailed now (deleted, unsubscribed, hard-bounced), or null.</summary>
    private async Task<string?> Unsendable(string contactId)
    {
        try
        {
            var contact = await Contact(contactId).Get();
            return contact.Suppressed ? contact.UnsubscribedAt is not null ? "contact unsubscribed" : "contact hard-bounced" : null;
        }
        catch (Interfaces.Platform.DomainException ex) when (ex.IsNotFound)
        {
            return "contact deleted";
        }
    }

    /// <summary>An email ended (or handed to the executor) before the first attempt recorded at request was made: not counted.</summary>
    private EmailRecord Unclaimed(EmailRecord record)
    {
        if (!claimedAttempt || record.Plain is not { Status: EmailStatuses.Scheduled, Attempts: 1 })
        {
            return record;
        }
        claimedAttempt = false;
        return record with { Plain = record.Plain with { Attempts = 0 } };
    }

    /// <summary>The first attempt recorded with the email shown on its timeline (at the request's time, when it was recorded).</summary>
    private static EmailView ClaimedAttempt(EmailView v) =>
        v is { Status: EmailStatuses.Scheduled, Attempts: 1 } ? EmailRecords.Moved(v, EmailStatuses.Sending, v.CreatedAt, "attempt 1") : v;

    private MimeKit.MimeMessage Message(EmailView v, SendingAccountRecord account, EmailRecords.Rendered rendered, TenantCrypto crypto) =>
        EmailMessages.Build(new EmailMessages.Parts(account.View.FromEmail, account.View.FromName, rendered.To, rendered.Subject,
            rendered.Text, rendered.Html, v.MessageId), time.GetUtcNow(), options.Value.TrackingBaseUrl.TrimEnd('/'), EmailMessages.Token(crypto, GrainKey),
            v.TrackOpens, v.TrackClicks);

    /// <summary>The event channel's hand-off: the email moved to <c>send_requested</c> and the event the executor acts on.</summary>
    private (EmailRecord Record, OutboxEvent Event) SendRequested(EmailRecord record, SendingAccountRecord account, EmailRecords.Rendered rendered,
        TenantCrypto crypto, DateTimeOffset now)
    {
        var v = record.Plain;
        var message = Message(v, account, rendered, crypto);
        return (record with { Plain = EmailRecords.Moved(v, EmailStatuses.SendRequested, now) with { Version = Current.Version + 1 } },
            Outbox.Event("email.send_requested", now, new
            {
                email_id = v.Id, contact_id = v.ContactId, message_id = v.MessageId, from = account.View.FromEmail,
                from_name = account.View.FromName, to = rendered.To, subject = rendered.Subject, text = message.TextBody,
                html = message.HtmlBody,
                headers = message.Headers.Where(h => h.Field.StartsWith("List-Unsubscribe", StringComparison.Ordinal))
                    .Select(h => new { name = h.Field, value = h.Value }).ToList(),
            }));
    }

    private async Task Fail(EmailRecord record, string error, DateTimeOffset now)
    {
        record = Unclaimed(record);
        await Commit(record with
        {
            Plain = EmailRecords.Moved(record.Plain, EmailStatuses.Failed, now, error) with { FailedAt = now, Error = error, Version = Current.Version + 1 },
        }, Outbox.Event("email.failed", now, new { email_id = record.Plain.Id, contact_id = record.Plain.ContactId, error, failed_at = now }));
        await Disarm();
        SalesboothMetrics.EmailOutcome(EmailStatuses.Failed);
    }

    private async Task Cancel(EmailRecord record, string reason, DateTimeOffset now)
    {
        record = Unclaimed(record);
        await Commit(record with
        {
            Plain = EmailRecords.Moved(record.Plain, EmailStatuses.Cancelled, now, reason) with { Error = reason, Version = Current.Version + 1 },
        }, Outbox.Event("email.failed", now, new { email_id = record.Plain.Id, contact_id = record.Plain.ContactId, error = reason, failed_at = now }));
        await Disarm();
        SalesboothMetrics.EmailOutcome(EmailStatuses.Cancelled);
    }

    private async Task Disarm()
    {
        sendTimer?.Dispose();
        sendTimer = null;
        if (Current.Record is { Swept: true })
        {
            // No reminder of its own: the stored status takes it off the sweep.
            return;
        }
        try
        {
            if ((sendReminder ?? await this.GetReminder(SendReminder)) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
            sendReminder = null;
        }
        catch (Exception ex)
        {
            // Harmless: the next tick finds nothing to send and tries again.
            logger.LogInformation(ex, "Removing the send reminder of {Email} failed", GrainKey);
        }
    }
}
