using Grains.Events;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Events;
using Grains.Interfaces.Money;
using Grains.Interfaces.Payments;
using Grains.Interfaces.Platform;
using Grains.Payments;
using Stripe;

namespace Grains.Deals;

/// <summary>
/// What Stripe reports about a deal's intents, by event (webhook), by confirm or by poll, recorded once per change:
/// amounts are Stripe's cumulative figures, so the same fact seen twice (a redelivered event, a poll after the event)
/// adds nothing. Checkout Sessions (generate-link) make their intent at Stripe; it is adopted from its first event.
/// </summary>
public sealed partial class DealGrain
{
    public async Task<PaymentOutcome?> ApplyStripeEvent(StripeEventInput stripeEvent)
    {
        var current = Current.Record;
        var payments = PaymentState;
        var intent = payments.Intents.FirstOrDefault(i => i.Id == stripeEvent.PaymentIntentId) ?? await AdoptCheckoutIntent(stripeEvent);
        // Only intents this deal made count (metadata alone proves nothing); a redelivered event changes nothing.
        if (current is null || intent is null || payments.AppliedStripeEvents.Contains(stripeEvent.EventId) ||
            !string.Equals(stripeEvent.Currency, intent.Currency, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var now = time.GetUtcNow();
        if (stripeEvent.DisputeStatus is { } disputeStatus)
        {
            return await RecordDispute(current, intent, stripeEvent, disputeStatus, now);
        }
        // Stripe does not guarantee order: a late failure or cancellation never undoes a success.
        var status = intent.Status == "succeeded" ? "succeeded" : stripeEvent.Status ?? intent.Status;
        var failed = stripeEvent.Type == "payment_intent.payment_failed";
        var updated = PaymentRules.Updated(intent, status, stripeEvent.AmountReceivedMinor, stripeEvent.AmountRefundedMinor,
            failed ? stripeEvent.LastError ?? "The payment failed" : status == "succeeded" ? null : intent.LastError, now);
        if (updated with { UpdatedAt = intent.UpdatedAt } == intent && !failed)
        {
            return null;
        }
        return await RecordIntentChange(current, intent, updated, null, StripeActor, now, $"stripe.{stripeEvent.Type}", stripeEvent.EventId);
    }

    public async Task<PaymentOutcome> Confirm(string paymentIntentId, DealActor actor)
    {
        var current = Existing();
        PaymentRules.EnsurePayable(current);
        var intent = RecordedIntent(paymentIntentId);
        var session = await Stripe.ForPartition(Partition);
        var seen = await session.Confirm(intent.Id, PaymentRules.IdempotencyKey(GrainKey, "confirm", Current.Version, null));
        return await Observe(current, intent, seen, actor, "payment.confirmed");
    }

    public async Task<PaymentOutcome> PollIntent(string paymentIntentId, DealActor actor)
    {
        var current = Existing();
        var intent = RecordedIntent(paymentIntentId);
        var seen = await (await Stripe.ForPartition(Partition)).GetIntent(intent.Id);
        return await Observe(current, intent, seen, actor, "payment.polled");
    }

    public async Task<CheckoutRecord> GenerateLink(string? successUrl, string? cancelUrl, DealActor actor)
    {
        var current = Existing();
        PaymentRules.EnsurePayable(current);
        var payments = PaymentState;
        var amount = PaymentRules.DefaultAmount(current, payments);
        PaymentRules.CheckAmount(amount, PaymentRules.BalanceDue(current, payments), current.Currency);
        var minor = PaymentAmounts.ToMinor(amount, current.Currency);
        var success = successUrl ?? Stripe.Options.CheckoutReturnUrl;
        var cancel = cancelUrl ?? Stripe.Options.CheckoutReturnUrl;
        var idempotencyKey = PaymentRules.IdempotencyKey(GrainKey, "checkout", Current.Version, $"{minor} {current.Currency} {success} {cancel}");
        // The reference ties the intent Stripe makes for the session back to this checkout; it is the key, so a retry sends the same.
        var metadata = new Dictionary<string, string>
        {
            [PaymentKeys.DealMetadataKey] = GrainKey,
            ["deal_id"] = current.Id,
            [PaymentKeys.CheckoutMetadataKey] = idempotencyKey,
        };
        var session = await Stripe.ForPartition(Partition);
        var checkout = await session.CreateCheckout(new Stripe.Checkout.SessionCreateOptions
        {
            Mode = "payment",
            SuccessUrl = success,
            CancelUrl = cancel,
            ClientReferenceId = current.Id,
            Metadata = metadata,
            PaymentIntentData = new Stripe.Checkout.SessionPaymentIntentDataOptions { Metadata = metadata, Description = current.Title },
            LineItems =
            [
                new Stripe.Checkout.SessionLineItemOptions
                {
                    Quantity = 1,
                    PriceData = new Stripe.Checkout.SessionLineItemPriceDataOptions
                    {
                        Currency = current.Currency.ToLowerInvariant(),
                        UnitAmount = minor,
                        ProductData = new Stripe.Checkout.SessionLineItemPriceDataProductDataOptions { Name = current.Title },
                    },
                },
            ],
        }, idempotencyKey);
        if (payments.CheckoutSessions.FirstOrDefault(c => c.Id == checkout.Id) is { } known)
        {
            return known;
        }
        var now = time.GetUtcNow();
        var record = new CheckoutRecord(checkout.Id, amount, current.Currency, checkout.Url, new DateTimeOffset(checkout.ExpiresAt, TimeSpan.Zero), now,
            idempotencyKey);
        var entry = HistoryEntry(PaymentKeys.CheckoutCreated, amount, current.Currency, null, actor, now) with { Reference = checkout.Id };
        var next = payments with { CheckoutSessions = [.. payments.CheckoutSessions, record], History = [.. payments.History, entry] };
        await CommitAudited(Stamp(current, now), [], actor, "payment.checkout_created", new { checkout_session_id = checkout.Id, amount, currency = current.Currency },
            s => s.Payments = next, result: record);
        return record;
    }

    /// <summary>One intent changed (by our call or Stripe's event): its history entries and events, then one write.</summary>
    private Task<PaymentOutcome> RecordIntentChange(DealView current, PaymentIntentRecord before, PaymentIntentRecord after, string? reason,
        DealActor actor, DateTimeOffset now, string auditAction, string? stripeEventId = null)
    {
        var payments = PaymentState;
        var entries = new List<PaymentHistoryEntry>();
        var events = new List<OutboxEvent>();
        var received = after.AmountReceived - before.AmountReceived;
        var refunded = after.AmountRefunded - before.AmountRefunded;
        var next = (payments with
        {
            Intents = payments.Intents.Any(i => i.Id == after.Id) ? [.. payments.Intents.Select(i => i.Id == after.Id ? after : i)] : [.. payments.Intents, after],
        }).Remembering(stripeEventId);
        if (received > 0m)
        {
            entries.Add(HistoryEntry(PaymentKeys.PaymentReceived, received, after.Currency, after.Id, actor, now) with { Method = "card", StripeEventId = stripeEventId });
        }
        if (refunded > 0m)
        {
            entries.Add(HistoryEntry(PaymentKeys.Refund, refunded, after.Currency, after.Id, actor, now) with { Notes = reason, StripeEventId = stripeEventId });
        }
        if (after.LastError is { } error && (stripeEventId is not null || before.LastError != error) && after.Status != "succeeded")
        {
            entries.Add(HistoryEntry(PaymentKeys.PaymentFailed, after.Amount, after.Currency, after.Id, actor, now) with { Notes = error, StripeEventId = stripeEventId });
        }
        else if (after.Status != before.Status && after.Status is "canceled" or "requires_capture")
        {
            entries.Add(HistoryEntry(after.Status == "canceled" ? PaymentKeys.PaymentCanceled : PaymentKeys.AuthorizationHeld, after.Amount, after.Currency,
                after.Id, actor, now) with { StripeEventId = stripeEventId });
        }
        next = next with { History = [.. next.History, .. entries] };
        foreach (var entry in entries)
        {
            events.AddRange(entry.Type switch
            {
                PaymentKeys.PaymentReceived => ReceivedEvents(current, next, entry, after),
                PaymentKeys.Refund => [RefundedEvent(current, next, entry, after)],
                PaymentKeys.PaymentFailed => [Outbox.Event("deal.payment_failed", now, new
                {
                    id = current.Id,
                    deal_id = current.Id,
                    amount = MoneyFormat.Amount(after.Amount, after.Currency),
                    currency = after.Currency,
                    payment_intent_id = after.Id,
                    status = after.Status,
                    failure_message = entry.Notes,
                    failed_at = now,
                })],
                _ => [],
            });
        }
        return RecordPayments(current, next, after, entries.Count > 0 ? entries[0] : null, events, actor, now, auditAction,
            new { payment_intent_id = after.Id, status = after.Status, received, refunded, stripe_event_id = stripeEventId }, settles: received > 0m);
    }

    /// <summary>Commits the payments with the deal; money received moves it by the table's <c>payment</c> rows where one applies.</summary>
    private async Task<PaymentOutcome> RecordPayments(DealView current, DealPayments next, PaymentIntentRecord? intent, PaymentHistoryEntry? entry,
        IReadOnlyList<OutboxEvent> events, DealActor actor, DateTimeOffset now, string auditAction, object auditChanges, bool settles)
    {
        var target = next.Net >= current.Pricing.Total ? DealStatuses.Closed : DealStatuses.PendingPayment;
        var move = settles ? DealStateMachine.Find(current.Status, target, DealStateMachine.PaymentAction) : null;
        if (move is not null && DealRules.Unmet(current, move.Conditions, Current.Escrow).Count == 0)
        {
            var moved = await Apply(current, move, actor, now, d => d, events, auditAction, auditChanges, s => s.Payments = next,
                resultOf: d => new PaymentOutcome(intent, entry, PaymentView(d, next)));
            return new PaymentOutcome(intent, entry, PaymentView(moved, next));
        }
        // Money facts are recorded whatever the deal's status (a refund of a closed deal, a late Stripe event).
        var deal = Stamp(current, now);
        var outcome = new PaymentOutcome(intent, entry, PaymentView(deal, next));
        await CommitAudited(deal, events, actor, auditAction, auditChanges, s => s.Payments = next, result: outcome);
        return outcome;
    }

    private static DealPaymentView PaymentView(DealView deal, DealPayments payments) => new(deal.Id, deal.Status, PaymentRules.Status(deal, payments),
        deal.Pricing.Total, payments.Received, payments.Refunded, PaymentRules.BalanceDue(deal, payments), deal.Currency, payments, deal.Version);

    private static PaymentHistoryEntry HistoryEntry(string type, decimal amount, string currency, string? paymentIntentId, DealActor actor, DateTimeOffset now) =>
        new(ResourceIds.New("payh"), type, amount, currency, paymentIntentId, null, null, null, null, actor.Actor, now);

    /// <summary>
    /// Money received: <c>deal.payment_received</c> for the deal's subscribers, <c>payment.received</c> for those who
    /// follow payments across deals (same facts, plus the history entry's id), and <c>portal.payment_completed</c> when
    /// the customer paid on the payment page (a Checkout Session from <c>generate-link</c>).
    /// </summary>
    private static List<OutboxEvent> ReceivedEvents(DealView deal, DealPayments payments, PaymentHistoryEntry entry, PaymentIntentRecord? intent)
    {
        var amount = MoneyFormat.Amount(entry.Amount, deal.Currency);
        var paymentStatus = PaymentRules.Status(deal, payments);
        var balanceDue = MoneyFormat.Amount(PaymentRules.BalanceDue(deal, payments), deal.Currency);
        var method = entry.Method ?? "card";
        List<OutboxEvent> events =
        [
            Outbox.Event("deal.payment_received", entry.At, new
            {
                id = deal.Id,
                deal_id = deal.Id,
                amount,
                currency = deal.Currency,
                payment_intent_id = intent?.Id,
                status = "succeeded",
                method,
                payment_status = paymentStatus,
                amount_paid = MoneyFormat.Amount(payments.Net, deal.Currency),
                balance_due = balanceDue,
                received_at = entry.At,
            }),
            Outbox.Event("payment.received", entry.At, new
            {
                id = entry.Id,
                payment_id = entry.Id,
                deal_id = deal.Id,
                customer_id = deal.CustomerId,
                amount,
                currency = deal.Currency,
                method,
                payment_intent_id = intent?.Id,
                reference = entry.Reference,
                balance_due = balanceDue,
                received_at = entry.At,
            }),
        ];
        if (intent?.CheckoutSessionId is { } checkoutSessionId)
        {
            events.Add(Outbox.Event("portal.payment_completed", entry.At, new
            {
                id = checkoutSessionId,
                checkout_session_id = checkoutSessionId,
                deal_id = deal.Id,
                customer_id = deal.CustomerId,
                amount,
                currency = deal.Currency,
                payment_intent_id = intent.Id,
                payment_status = paymentStatus,
                completed_at = entry.At,
            }));
        }
        return events;
    }

    private static OutboxEvent RefundedEvent(DealView deal, DealPayments payments, PaymentHistoryEntry entry, PaymentIntentRecord intent) =>
        Outbox.Event("deal.payment_refunded", entry.At, new
        {
            id = deal.Id,
            deal_id = deal.Id,
            amount = MoneyFormat.Amount(entry.Amount, deal.Currency),
            currency = deal.Currency,
            payment_intent_id = intent.Id,
            reason = entry.Notes,
            total_refunded = MoneyFormat.Amount(payments.Refunded, deal.Currency),
            status = intent.AmountRefunded >= intent.AmountReceived ? PaymentKeys.StatusRefunded : PaymentKeys.StatusPartiallyRefunded,
            payment_status = PaymentRules.Status(deal, payments),
            refunded_at = entry.At,
        });

    /// <summary>
    /// A dispute (chargeback) on one of the deal's payments goes into its history; the document names no deal event or
    /// status for it, so the deal stays where it is (money a lost dispute takes back shows in Stripe, not as a refund here).
    /// </summary>
    private async Task<PaymentOutcome> RecordDispute(DealView current, PaymentIntentRecord intent, StripeEventInput e, string disputeStatus,
        DateTimeOffset now)
    {
        var payments = PaymentState;
        var amount = e.DisputeAmountMinor is { } minor ? PaymentAmounts.FromMinor(minor, intent.Currency) : intent.AmountReceived;
        var entry = HistoryEntry(PaymentKeys.Dispute, amount, intent.Currency, intent.Id, StripeActor, now) with
        {
            Notes = $"{e.Type}: {disputeStatus}",
            StripeEventId = e.EventId,
        };
        var next = (payments with { History = [.. payments.History, entry] }).Remembering(e.EventId);
        var deal = Stamp(current, now);
        var outcome = new PaymentOutcome(intent, entry, PaymentView(deal, next));
        await CommitAudited(deal, [], StripeActor, $"stripe.{e.Type}", new { payment_intent_id = intent.Id, status = disputeStatus, amount, stripe_event_id = e.EventId },
            s => s.Payments = next, result: outcome);
        return outcome;
    }

    private PaymentIntentRecord RecordedIntent(string paymentIntentId) =>
        PaymentState.Intents.FirstOrDefault(i => i.Id == paymentIntentId) ?? throw DomainException.NotFound("Payment intent");

    /// <summary>Records what Stripe now shows for an intent; nothing is written when nothing changed.</summary>
    private Task<PaymentOutcome> Observe(DealView current, PaymentIntentRecord intent, PaymentIntent seen, DealActor actor, string auditAction)
    {
        var now = time.GetUtcNow();
        var status = intent.Status == "succeeded" ? "succeeded" : seen.Status;
        var updated = PaymentRules.Updated(intent, status, seen.AmountReceived, null, status == "succeeded" ? null : seen.LastPaymentError?.Message ?? intent.LastError, now);
        return updated with { UpdatedAt = intent.UpdatedAt } == intent
            ? Task.FromResult(new PaymentOutcome(intent, null, PaymentView(current, PaymentState)))
            : RecordIntentChange(current, intent, updated, null, actor, now, auditAction);
    }

    /// <summary>The intent a Checkout Session of this deal made (its metadata names the checkout), registered as the deal's.</summary>
    private async Task<PaymentIntentRecord?> AdoptCheckoutIntent(StripeEventInput e)
    {
        var checkout = e.CheckoutReference is { } reference ? PaymentState.CheckoutSessions.FirstOrDefault(c => c.Reference == reference) : null;
        if (checkout is null || e.AmountMinor is not { } amount || !string.Equals(e.Currency, checkout.Currency, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        await GrainFactory.GetGrain<IPaymentIntentLocatorGrain>(e.PaymentIntentId).Register(GrainKey);
        var now = time.GetUtcNow();
        return new PaymentIntentRecord(e.PaymentIntentId, PaymentAmounts.FromMinor(amount, checkout.Currency), checkout.Currency, "requires_payment_method",
            0m, 0m, e.CaptureMethod ?? "automatic", null, now, now) { CheckoutSessionId = checkout.Id };
    }
}
