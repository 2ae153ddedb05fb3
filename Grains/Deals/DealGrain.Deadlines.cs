using Grains.Events;
using Grains.Interfaces.Telemetry;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Money;
using Grains.Payments;
using Grains.Platform;
using Grains.Platform.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Grains.Deals;

/// <summary>
/// The deal's one reminder: due at the earliest of the held escrow's <c>expires_at</c> (and the renewal of its card
/// hold), the open negotiation round's <c>expires_at</c> and, for a deal in <c>pending_payment</c>, the payment's due time. A tick does what is due by the clock (<see cref="TimeProvider"/>) and re-arms for what is
/// left; an early tick (another silo's clock, a due time beyond what a reminder can wait) only re-arms, and a second
/// tick finds nothing held or open and does nothing, so each expiry happens once. The reminder lives in the reminder
/// table (PostgreSQL in the cluster), so deactivation or the loss of the silo does not lose it.
/// </summary>
public sealed partial class DealGrain
{
    public const string DeadlineReminder = "deal-deadline";

    // The period matters when a tick fails (the next one retries) and when a silo that owned the reminder dies before
    // its tick: the survivor fires at the next whole period after the registered start. A successful tick re-arms or
    // unregisters. Never longer than the capped wait, so a short cap (tests) also bounds the failover delay.
    private static readonly TimeSpan DeadlinePeriod = TimeSpan.FromMinutes(5);

    private static readonly DealActor SystemActor = new("system", "system");

    public override async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != DeadlineReminder)
        {
            await base.ReceiveReminder(reminderName, status);
            return;
        }
        SalesboothMetrics.ReminderTick(reminderName);
        await SettleDeadlines();
        await ArmDeadline();
    }

    /// <summary>Applies every deadline that has passed by the clock: escrow expiry, negotiation round expiry.</summary>
    private async Task SettleDeadlines()
    {
        if (Current.Record is null)
        {
            return;
        }
        var now = time.GetUtcNow();
        // Before the expiry: a hold that could not be renewed moves the escrow's expiry to its lapse.
        if (ReauthorizeAt() is { } renewAt && now >= renewAt && EscrowCardHold() is ({ } held, { } hold))
        {
            await ReauthorizeEscrowHold(held, hold, now);
        }
        if (Current.Escrow is { IsHeld: true } escrow && now >= escrow.ExpiresAt)
        {
            await Refund(EscrowKeys.ExpiredReason, DealStateMachine.EscrowExpiryAction, DealStatuses.Expired, SystemActor);
            SalesboothMetrics.EscrowExpired();
        }
        if (Current.Negotiation is { IsOpen: true } negotiation && now >= negotiation.Last.ExpiresAt)
        {
            await ExpireNegotiation(negotiation, now);
        }
        if (OverdueAt() is { } dueAt && now >= dueAt)
        {
            await MarkPaymentOverdue(dueAt, now);
        }
    }

    /// <summary>
    /// The due time of a payment not yet reported overdue, while the deal waits for it with a balance due (a deal paid in
    /// full but not closed, e.g. signatures missing, owes nothing: no reminder for it).
    /// </summary>
    private DateTimeOffset? OverdueAt() =>
        Current.Record is { Status: DealStatuses.PendingPayment } deal && Current.PaymentDue is { OverdueAt: null } due
        && PaymentRules.BalanceDue(deal, PaymentState) > 0m
            ? due.DueAt
            : null;

    /// <summary>
    /// Where a move leaves the payment's due time: entering <c>pending_payment</c> starts the clock, staying keeps it,
    /// leaving (paid, cancelled, expired, unsigned) clears it.
    /// </summary>
    private DealPaymentDue? PaymentDueAfter(DealTransition transition, DateTimeOffset now) => transition.To != DealStatuses.PendingPayment
        ? null
        : transition.From == DealStatuses.PendingPayment && Current.PaymentDue is { } due
            ? due
            : new DealPaymentDue(now + ServiceProvider.GetRequiredService<IOptions<DealOptions>>().Value.PaymentOverdueAfter, null);

    /// <summary><c>deal.payment_overdue</c>, once per stay in <c>pending_payment</c>.</summary>
    private async Task MarkPaymentOverdue(DateTimeOffset dueAt, DateTimeOffset now)
    {
        var deal = Current.Record!;
        var payments = PaymentState;
        var balance = PaymentRules.BalanceDue(deal, payments);
        var evt = Outbox.Event("deal.payment_overdue", now, new
        {
            id = deal.Id,
            deal_id = deal.Id,
            customer_id = deal.CustomerId,
            amount_due = MoneyFormat.Amount(balance, deal.Currency),
            amount_paid = MoneyFormat.Amount(payments.Net, deal.Currency),
            total = MoneyFormat.Amount(deal.Pricing.Total, deal.Currency),
            currency = deal.Currency,
            payment_status = PaymentRules.Status(deal, payments),
            due_at = dueAt,
            overdue_at = now,
        });
        await CommitAudited(Stamp(deal, now), [evt], SystemActor, "deal.payment_overdue", new { due_at = dueAt, amount_due = balance },
            s => s.PaymentDue = new DealPaymentDue(dueAt, now));
    }

    /// <summary>Registers the reminder for the next deadline, or removes it when nothing is pending.</summary>
    private Task ArmDeadline() => this.ArmAsync(DeadlineReminder, NextDeadline(), time.GetUtcNow(),
        ServiceProvider.GetRequiredService<IOptions<DealOptions>>().Value.ReminderMaxWait, DeadlinePeriod);

    private DateTimeOffset? NextDeadline()
    {
        DateTimeOffset? next = null;
        if (Current.Record is null)
        {
            // Deleted for good: nothing is due any more.
            return null;
        }
        if (Current.Escrow is { IsHeld: true } escrow)
        {
            next = escrow.ExpiresAt;
        }
        if (Current.Negotiation is { IsOpen: true } negotiation && (next is null || negotiation.Last.ExpiresAt < next))
        {
            next = negotiation.Last.ExpiresAt;
        }
        if (ReauthorizeAt() is { } renewAt && (next is null || renewAt < next))
        {
            next = renewAt;
        }
        if (OverdueAt() is { } dueAt && (next is null || dueAt < next))
        {
            next = dueAt;
        }
        return next;
    }
}
