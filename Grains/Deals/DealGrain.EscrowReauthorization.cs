using Grains.Events;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Events;
using Grains.Interfaces.Money;
using Grains.Interfaces.Payments;
using Grains.Interfaces.Platform;
using Grains.Payments;
using Microsoft.Extensions.Logging;
using Stripe;

namespace Grains.Deals;

/// <summary>
/// Renewing the card hold of an escrow that outlives it. Stripe keeps an authorisation about 7 days; an escrow held on a
/// card and due to last longer gets, a day before the hold lapses (one more deadline on the deal's reminder), a new
/// manual-capture authorisation of the customer's saved card made off-session, and the old hold is let go. One write
/// records the outcome: <c>escrow.reauthorization_pending</c> then <c>escrow.reauthorized</c> (the escrow now held on
/// the new intent) or <c>escrow.reauthorization_failed</c> (declined, or no saved card): the escrow then expires when
/// the old hold lapses, since no money would back it after that. Stripe unreachable: nothing is written and the
/// reminder's next tick tries again with the same idempotency key (so Stripe makes one new authorisation, not two);
/// once the old hold has lapsed the attempt counts as failed.
/// </summary>
public sealed partial class DealGrain
{
    /// <summary>How long before the hold lapses it is renewed: a day leaves room for retries while Stripe is unreachable.</summary>
    public static readonly TimeSpan ReauthorizationLead = TimeSpan.FromDays(1);

    /// <summary>When the held escrow's card hold is to be renewed, if the escrow is to outlive it.</summary>
    private DateTimeOffset? ReauthorizeAt() => EscrowCardHold() is ({ } escrow, { } hold) && escrow.ExpiresAt > HoldLapse(hold)
        ? HoldLapse(hold) - ReauthorizationLead
        : null;

    private (DealEscrow? Escrow, PaymentIntentRecord? Hold) EscrowCardHold() =>
        Current.Escrow is { IsHeld: true, PaymentIntentId: { } intentId } escrow
        && PaymentState.Intents.FirstOrDefault(i => i.Id == intentId && i.Status == "requires_capture") is { } hold
            ? (escrow, hold)
            : (null, null);

    private async Task ReauthorizeEscrowHold(DealEscrow escrow, PaymentIntentRecord hold, DateTimeOffset now)
    {
        var current = Existing();
        var lapse = HoldLapse(hold);
        var (renewed, failure) = now >= lapse
            ? (null, "the card hold lapsed before it could be renewed")
            : await RenewHold(current, escrow, hold);
        var pending = Outbox.Event("escrow.reauthorization_pending", now, new
        {
            id = escrow.Id,
            escrow_id = escrow.Id,
            deal_id = current.Id,
            payment_intent_id = hold.Id,
            hold_expires_at = lapse,
            escrow_expires_at = escrow.ExpiresAt,
        });
        if (renewed is null)
        {
            var failed = escrow with
            {
                ExpiresAt = lapse < escrow.ExpiresAt ? lapse : escrow.ExpiresAt,
                Timeline = [.. escrow.Timeline, new EscrowStep("escrow.reauthorization_failed", now, SystemActor.Actor, $"{failure}; the escrow expires with the hold at {lapse:O}")],
            };
            var failedEvent = Outbox.Event("escrow.reauthorization_failed", now, new
            {
                id = escrow.Id,
                escrow_id = escrow.Id,
                deal_id = current.Id,
                payment_intent_id = hold.Id,
                reason = failure,
                expires_at = failed.ExpiresAt,
            });
            await CommitAudited(Stamp(current, now), [pending, failedEvent], SystemActor, "escrow.reauthorization_failed",
                new { escrow_id = escrow.Id, payment_intent_id = hold.Id, reason = failure, expires_at = failed.ExpiresAt }, s => s.Escrow = failed);
            return;
        }
        var payments = await ReleaseOldHold(hold, escrow, now);
        var record = new PaymentIntentRecord(renewed.Id, hold.Amount, hold.Currency, "requires_capture", 0m, 0m, "manual", null, now, now);
        var held = HistoryEntry(PaymentKeys.AuthorizationHeld, hold.Amount, hold.Currency, renewed.Id, StripeActor, now) with
        {
            Method = "card",
            Notes = $"escrow {escrow.Id}: hold {hold.Id} renewed",
        };
        payments = payments with { Intents = [.. payments.Intents, record], History = [.. payments.History, held] };
        var reauthorized = escrow with
        {
            PaymentIntentId = renewed.Id,
            Timeline = [.. escrow.Timeline, new EscrowStep("escrow.reauthorized", now, SystemActor.Actor, $"card hold renewed: {hold.Id} -> {renewed.Id}")],
        };
        var evt = Outbox.Event("escrow.reauthorized", now, new
        {
            id = escrow.Id,
            escrow_id = escrow.Id,
            deal_id = current.Id,
            previous_payment_intent_id = hold.Id,
            payment_intent_id = renewed.Id,
            amount = MoneyFormat.Amount(hold.Amount, hold.Currency),
            currency = hold.Currency,
            hold_expires_at = now + PaymentKeys.CardAuthorizationWindow,
        });
        await CommitAudited(Stamp(current, now), [pending, evt], SystemActor, "escrow.reauthorized",
            new { escrow_id = escrow.Id, previous_payment_intent_id = hold.Id, payment_intent_id = renewed.Id }, s =>
            {
                s.Escrow = reauthorized;
                s.Payments = payments;
            });
    }

    /// <summary>A new authorisation of the customer's saved card for the hold's amount, or why there is none.</summary>
    private async Task<(PaymentIntent? Renewed, string? Failure)> RenewHold(DealView current, DealEscrow escrow, PaymentIntentRecord hold)
    {
        try
        {
            var session = await Stripe.ForPartition(Partition);
            if (current.CustomerId is not { } customerId)
            {
                return (null, "the deal has no customer whose saved card could be authorised");
            }
            var (stripeCustomer, method) = await SavedCardOf(session, customerId, null);
            var seen = await session.ChargeOffSession(new PaymentIntentCreateOptions
            {
                Amount = PaymentAmounts.ToMinor(hold.Amount, hold.Currency),
                Currency = hold.Currency.ToLowerInvariant(),
                Customer = stripeCustomer,
                PaymentMethod = method,
                OffSession = true,
                Confirm = true,
                CaptureMethod = "manual",
                Description = current.Title,
                Metadata = new Dictionary<string, string> { [PaymentKeys.DealMetadataKey] = GrainKey, ["deal_id"] = current.Id, ["escrow_id"] = escrow.Id },
            }, PaymentRules.IdempotencyKey(GrainKey, "escrow_reauthorize", 0, $"{escrow.Id} {hold.Id}"));
            await GrainFactory.GetGrain<IPaymentIntentLocatorGrain>(seen.Id).Register(GrainKey);
            return seen.Status == "requires_capture"
                ? (seen, null)
                : (null, seen.LastPaymentError?.Message ?? $"Stripe left the new authorisation in {seen.Status}");
        }
        catch (DomainException ex) when (!ex.Code.StartsWith("transient_error", StringComparison.Ordinal))
        {
            return (null, ex.Message);
        }
    }

    /// <summary>Lets the old hold go (best effort: it lapses by itself anyway); the payments with its cancellation recorded.</summary>
    private async Task<DealPayments> ReleaseOldHold(PaymentIntentRecord hold, DealEscrow escrow, DateTimeOffset now)
    {
        var payments = PaymentState;
        try
        {
            var session = await Stripe.ForPartition(Partition);
            var canceled = await session.Cancel(hold.Id, PaymentRules.IdempotencyKey(GrainKey, "escrow_reauthorize_cancel", 0, $"{escrow.Id} {hold.Id}"));
            var updated = PaymentRules.Updated(hold, canceled.Status, canceled.AmountReceived, null, null, now);
            var entry = HistoryEntry(PaymentKeys.PaymentCanceled, hold.Amount, hold.Currency, hold.Id, StripeActor, now) with
            {
                Notes = $"escrow {escrow.Id}: replaced by a renewed hold",
            };
            return payments with { Intents = [.. payments.Intents.Select(i => i.Id == hold.Id ? updated : i)], History = [.. payments.History, entry] };
        }
        catch (DomainException ex)
        {
            logger.LogWarning(ex, "Cancelling the replaced card hold {Intent} of escrow {Escrow} failed; Stripe lets it lapse", hold.Id, escrow.Id);
            return payments;
        }
    }
}
