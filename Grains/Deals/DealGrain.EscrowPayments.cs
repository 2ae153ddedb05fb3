using Grains.Interfaces.Deals;
using Grains.Interfaces.Events;
using Grains.Interfaces.Money;
using Grains.Interfaces.Payments;
using Grains.Interfaces.Platform;
using Grains.Payments;
using Microsoft.Extensions.Logging;

namespace Grains.Deals;

/// <summary>
/// Escrow on a card-paid deal: an escrow made while the deal holds an authorised, uncaptured card payment (a
/// manual-capture intent in <c>requires_capture</c>) is backed by it. Release captures it (payment received, with the
/// release's one write), a refund cancels it (the customer's hold is let go). Stripe keeps an authorisation for about
/// 7 days: an escrow meant to last longer has its hold renewed before it lapses (<c>DealGrain.EscrowReauthorization.cs</c>);
/// its expiry cancels the hold too (best effort: a hold Stripe could not be told about lapses by itself, and its
/// <c>payment_intent.canceled</c> is recorded).
/// </summary>
public sealed partial class DealGrain
{
    /// <summary>
    /// The card payment that would back a new escrow of <paramref name="amount"/>. The escrow keeps the expiry asked for
    /// even beyond the hold's 7 days: the hold is renewed before it lapses (<c>DealGrain.EscrowReauthorization.cs</c>).
    /// </summary>
    private PaymentIntentRecord? EscrowHold(decimal amount)
    {
        var payments = PaymentState;
        var hold = payments.Intents.LastOrDefault(i => i.Status == "requires_capture" && i.AmountReceived == 0m);
        if (hold is null)
        {
            return null;
        }
        if (amount > hold.Amount)
        {
            throw DomainException.Invalid("amount", "exceeds_authorization",
                $"The escrow is held on card payment {hold.Id}, authorised for {MoneyFormat.Amount(hold.Amount, hold.Currency)} {hold.Currency}");
        }
        return hold;
    }

    /// <summary>When the card hold lapses: Stripe keeps an authorisation about 7 days from when it was made.</summary>
    private DateTimeOffset HoldLapse(PaymentIntentRecord hold) =>
        (PaymentState.History.LastOrDefault(h => h.Type == PaymentKeys.AuthorizationHeld && h.PaymentIntentId == hold.Id)?.At ?? hold.UpdatedAt)
        + PaymentKeys.CardAuthorizationWindow;

    /// <summary>Captures the escrow's card hold (before the release's write): the payments and events the release commits with it.</summary>
    private async Task<(DealPayments? Payments, IReadOnlyList<OutboxEvent> Events)> CaptureEscrowHold(DealView current, DealEscrow escrow, DateTimeOffset now)
    {
        var payments = Current.Payments;
        if (escrow.PaymentIntentId is not { } intentId || payments?.Intents.FirstOrDefault(i => i.Id == intentId) is not { } intent)
        {
            return (payments, []);
        }
        var session = await Stripe.ForPartition(Partition);
        var partial = escrow.Amount < intent.Amount ? PaymentAmounts.ToMinor(escrow.Amount, intent.Currency) : (long?)null;
        var captured = await session.Capture(intent.Id, partial, PaymentRules.IdempotencyKey(GrainKey, "escrow_capture", Current.Version, escrow.Id));
        var updated = PaymentRules.Updated(intent, captured.Status, captured.AmountReceived, null, null, now);
        var received = updated.AmountReceived - intent.AmountReceived;
        var entry = HistoryEntry(PaymentKeys.PaymentReceived, received, intent.Currency, intent.Id, StripeActor, now) with
        {
            Method = "card",
            Notes = $"escrow {escrow.Id} released",
        };
        var next = payments with
        {
            Intents = [.. payments.Intents.Select(i => i.Id == intent.Id ? updated : i)],
            History = [.. payments.History, entry],
        };
        return (next, received > 0m ? ReceivedEvents(current, next, entry, updated) : []);
    }

    /// <summary>Cancels the escrow's card hold (before the refund's write); an expiry goes on if Stripe cannot be reached.</summary>
    private async Task<DealPayments?> CancelEscrowHold(DealEscrow escrow, DateTimeOffset now, bool bestEffort)
    {
        var payments = Current.Payments;
        if (escrow.PaymentIntentId is not { } intentId || payments?.Intents.FirstOrDefault(i => i.Id == intentId) is not { Status: "requires_capture" } intent)
        {
            return payments;
        }
        try
        {
            var session = await Stripe.ForPartition(Partition);
            var canceled = await session.Cancel(intent.Id, PaymentRules.IdempotencyKey(GrainKey, "escrow_cancel", Current.Version, escrow.Id));
            var updated = PaymentRules.Updated(intent, canceled.Status, canceled.AmountReceived, null, null, now);
            var entry = HistoryEntry(PaymentKeys.PaymentCanceled, intent.Amount, intent.Currency, intent.Id, StripeActor, now) with
            {
                Notes = $"escrow {escrow.Id} refunded: card hold released",
            };
            return payments with { Intents = [.. payments.Intents.Select(i => i.Id == intent.Id ? updated : i)], History = [.. payments.History, entry] };
        }
        catch (DomainException ex) when (bestEffort)
        {
            logger.LogWarning(ex, "Cancelling the card hold {Intent} of expired escrow {Escrow} failed; Stripe lets it lapse", intent.Id, escrow.Id);
            return payments;
        }
    }
}
