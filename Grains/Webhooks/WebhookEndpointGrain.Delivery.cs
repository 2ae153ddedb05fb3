using Grains.Interfaces.Telemetry;
using System.Text;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Webhooks;
using Grains.Platform.Telemetry;
using Grains.Webhooks.Delivery;
using Grains.Webhooks.Storage;
using Microsoft.Extensions.Logging;

namespace Grains.Webhooks;

/// <summary>
/// The delivery half: a queue of pending deliveries (mirror of the endpoint's pending rows), up to
/// <c>max_in_flight</c> attempts at a time (one, in sequence order, when <c>ordered</c>), each settled into its row.
/// A reminder stays registered while work is pending, so a deactivated endpoint or one whose silo died wakes up and
/// carries on; retries due sooner than the reminder period get a one-shot grain timer. Every wake-up just sends what
/// is due by the clock (<see cref="TimeProvider"/>), which is what lets tests drive hours of backoff instantly.
/// </summary>
public sealed partial class WebhookEndpointGrain
{
    public const string DeliveryReminder = "webhook-delivery";

    /// <summary>Consecutive dead letters that disable an endpoint (SalesOS: "disable webhook after 5 failed attempts").</summary>
    public const int DisableAfterDeadLetters = 5;

    private readonly DeliveryQueue queue = new();
    private bool reminderOn;
    private IGrainTimer? wakeTimer;
    private (string Current, string? Previous)? secrets;

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        SalesboothMetrics.ReminderTick(reminderName);
        if (reminderName != DeliveryReminder)
        {
            return;
        }
        if (state.State.Record is null)
        {
            await StopReminder();
            return;
        }
        if (queue.Count == 0)
        {
            await LoadPending();
        }
        if (queue.Count == 0)
        {
            await StopReminder();
            return;
        }
        Pump();
    }

    public async Task<WebhookDelivery> Retry(string deliveryId)
    {
        var record = Record;
        var delivery = queue.Get(deliveryId) ?? await store.GetAsync(Partition, deliveryId);
        if (delivery is null || delivery.WebhookId != WebhookId)
        {
            throw DomainException.NotFound("Delivery");
        }
        if (queue.IsInFlight(deliveryId))
        {
            throw DomainException.Conflict("conflict.delivery_in_flight", "This delivery is being attempted right now; check it again shortly");
        }
        if (delivery.Status == WebhookKeys.DeliverySuccess)
        {
            throw DomainException.Conflict("conflict.delivery_succeeded", "This delivery already succeeded; use replay to send the event again");
        }
        queue.Begin(deliveryId);
        try
        {
            var outcome = await Send(record, Encoding.UTF8.GetBytes(delivery.Payload), delivery.EventId, delivery.EventType,
                delivery.DeliveryId, delivery.IsReplay, readBody: false);
            var now = time.GetUtcNow();
            // A manual retry is one more attempt; it does not restart the automatic schedule.
            var settled = delivery with
            {
                Attempts = delivery.Attempts + 1,
                ResponseCode = outcome.StatusCode,
                ErrorMessage = outcome.Error,
                RetriedAt = now,
                UpdatedAt = now,
                FirstAttemptAt = delivery.FirstAttemptAt ?? now,
            };
            settled = outcome.Success
                ? settled with { Status = WebhookKeys.DeliverySuccess, DeliveredAt = now, NextAttemptAt = null }
                : settled;
            CountAttempt(settled, outcome);
            await writer.SaveAsync([settled]);
            queue.Set(settled);
            if (outcome.Success)
            {
                await ResetDeadLetters();
            }
            return settled;
        }
        finally
        {
            queue.End(deliveryId);
            Pump();
        }
    }

    /// <summary>Starts every due delivery there is room for, then arranges to wake for the next one.</summary>
    private void Pump()
    {
        if (state.State.Record is not { Status: WebhookKeys.Active } record)
        {
            return;
        }
        var now = time.GetUtcNow();
        foreach (var delivery in queue.TakeDue(now, record.Ordered, record.MaxInFlight - queue.InFlightCount))
        {
            _ = Attempt(record, delivery);
        }
        ScheduleWake(now);
    }

    private void ScheduleWake(DateTimeOffset now)
    {
        var next = queue.NextDue;
        wakeTimer?.Dispose();
        wakeTimer = null;
        if (next is { } at && at > now && at - now < options.Value.ReminderPeriod)
        {
            wakeTimer = this.RegisterGrainTimer(() =>
            {
                Pump();
                return Task.CompletedTask;
            }, new GrainTimerCreationOptions(at - now, Timeout.InfiniteTimeSpan) { Interleave = true });
        }
    }

    /// <remarks>
    /// The in-flight slot (what <c>max_in_flight</c> bounds: requests open at the receiver) is freed as soon as the
    /// receiver has answered; storing the outcome happens after, with the next attempts already under way. Until the
    /// outcome is stored the delivery is "settling": a load of pending rows does not queue it again. If storing fails,
    /// the row stays pending in the store and a later load sends it again (at least once).
    /// </remarks>
    private async Task Attempt(WebhookRecord record, WebhookDelivery delivery)
    {
        WebhookDelivery settled;
        WebhookAttemptOutcome outcome;
        try
        {
            var started = time.GetUtcNow();
            using (SalesboothTracing.StartWebhookDelivery(delivery.TraceParent, delivery.EventType, delivery.Attempts + 1))
            {
                outcome = await Send(record, Encoding.UTF8.GetBytes(delivery.Payload), delivery.EventId, delivery.EventType,
                    delivery.DeliveryId, delivery.IsReplay, readBody: false);
            }
            settled = Settled(record, delivery, outcome, started);
            CountAttempt(settled, outcome);
            queue.BeginSettling(settled);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Attempting delivery {Delivery} of {Webhook} failed", delivery.DeliveryId, GrainKey);
            return;
        }
        finally
        {
            queue.End(delivery.DeliveryId);
            Pump();
        }

        try
        {
            await writer.SaveAsync([settled]);
            await AfterSettled(settled, outcome);
        }
        catch (Exception ex)
        {
            // The row is still pending in the store: a later wake-up or activation tries again (same event id).
            logger.LogWarning(ex, "Settling delivery {Delivery} of {Webhook} failed", delivery.DeliveryId, GrainKey);
        }
        finally
        {
            queue.EndSettling(settled.DeliveryId);
        }
    }

    private WebhookDelivery Settled(WebhookRecord record, WebhookDelivery delivery, WebhookAttemptOutcome outcome, DateTimeOffset started)
    {
        var now = time.GetUtcNow();
        var attempts = delivery.Attempts + 1;
        var first = delivery.FirstAttemptAt ?? started;
        var settled = delivery with
        {
            Attempts = attempts,
            FirstAttemptAt = first,
            ResponseCode = outcome.StatusCode,
            ErrorMessage = outcome.Error,
            UpdatedAt = now,
        };
        if (outcome.Success)
        {
            return settled with { Status = WebhookKeys.DeliverySuccess, DeliveredAt = now, NextAttemptAt = null };
        }
        var next = outcome.Gone ? null : WebhookSchedule.Next(record.RetryPolicy, delivery.MaxAttempts, first, now, attempts,
            outcome.RetryAfter, Random.Shared.NextDouble());
        return next is null
            ? settled with { Status = WebhookKeys.DeliveryFailed, NextAttemptAt = null }
            : settled with { NextAttemptAt = next };
    }

    private static void CountAttempt(WebhookDelivery settled, WebhookAttemptOutcome outcome)
    {
        var result = outcome.Success ? "success"
            : outcome.Gone ? "gone"
            : settled.Status == WebhookKeys.DeliveryFailed ? "dead_letter"
            : "retry";
        SalesboothMetrics.WebhookDelivery(result, settled.Attempts);
        if (settled.Status == WebhookKeys.DeliveryFailed)
        {
            SalesboothMetrics.WebhookDeadLetter();
        }
    }

    private async Task AfterSettled(WebhookDelivery settled, WebhookAttemptOutcome outcome)
    {
        if (outcome.Success)
        {
            await ResetDeadLetters();
        }
        else if (outcome.Gone)
        {
            await Disable("The receiver answered 410 Gone");
        }
        else if (settled.Status == WebhookKeys.DeliveryFailed)
        {
            await CountDeadLetter();
        }
    }

    private async Task ResetDeadLetters()
    {
        if (state.State.ConsecutiveDeadLetters > 0)
        {
            await ChangeCounters(() => state.State.ConsecutiveDeadLetters = 0);
        }
    }

    private async Task CountDeadLetter()
    {
        await ChangeCounters(() => state.State.ConsecutiveDeadLetters++);
        if (state.State.ConsecutiveDeadLetters >= DisableAfterDeadLetters)
        {
            await Disable($"{DisableAfterDeadLetters} consecutive deliveries were dead-lettered");
        }
    }

    private async Task Disable(string reason)
    {
        if (state.State.Record is not { Status: not WebhookKeys.Disabled })
        {
            return;
        }
        logger.LogWarning("Disabling webhook {Webhook}: {Reason}", GrainKey, reason);
        await Change(record => record with { Status = WebhookKeys.Disabled, DisabledReason = reason, UpdatedAt = time.GetUtcNow() });
    }

    /// <summary>Counters are state but not settings: written without a version bump or directory update.</summary>
    private async Task ChangeCounters(Action change)
    {
        await stateGate.WaitAsync();
        try
        {
            change();
            await state.WriteStateAsync();
        }
        finally
        {
            stateGate.Release();
        }
    }

    private async Task<WebhookAttemptOutcome> Send(WebhookRecord record, byte[] body, string eventId, string eventType,
        string deliveryId, bool replayed, bool readBody)
    {
        var (current, previous) = await Secrets(record);
        var headers = WebhookSignatures.Headers(record.SignatureScheme, current, previous, eventId, eventType, deliveryId,
            time.GetUtcNow().ToUnixTimeSeconds(), body, replayed);
        return await sender.SendAsync(new Uri(record.Url), body, headers, readBody);
    }

    private async Task<(string Current, string? Previous)> Secrets(WebhookRecord record)
    {
        if (secrets is null)
        {
            var crypto = await keys.ForTenant(TenantId);
            var previous = record.PreviousSecretCipher is { } cipher ? crypto.Decrypt(cipher, SecretContext) : null;
            secrets = (crypto.Decrypt(record.SecretCipher, SecretContext), previous);
        }
        // The previous secret signs (standard scheme only) until its overlap window closes.
        return record.PreviousSecretUntil > time.GetUtcNow() ? secrets.Value : (secrets.Value.Current, null);
    }

    private async Task StartReminder()
    {
        if (!reminderOn)
        {
            await this.RegisterOrUpdateReminder(DeliveryReminder, options.Value.ReminderPeriod, options.Value.ReminderPeriod);
            reminderOn = true;
        }
    }

    private async Task StopReminder()
    {
        if (await this.GetReminder(DeliveryReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
        reminderOn = false;
    }
}
