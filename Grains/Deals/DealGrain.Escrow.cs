using Grains.Events;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Money;
using Grains.Interfaces.Platform;
using Grains.Platform;

namespace Grains.Deals;

/// <summary>
/// Escrow on the deal grain: one held escrow at a time, from pending_payment (the state machine's <c>escrow</c> row).
/// Release closes the deal; refund leaves it where it is; the expiry reminder refunds with reason <c>expired</c> and
/// expires the deal. Every action first settles what is due by the clock, so a release that races the expiry gets
/// one answer whichever reaches the grain first: before <c>expires_at</c> the release wins, from it on the refund.
/// </summary>
public sealed partial class DealGrain : IDealEscrowGrain
{
    public async Task<DealEscrowResult> CreateEscrow(EscrowRequest request, DealActor actor)
    {
        await SettleDeadlines();
        var current = Existing();
        var transition = Lookup(current, DealStatuses.PendingPayment, DealStateMachine.EscrowAction);
        var amount = request.Amount ?? current.Pricing.Total;
        if (amount <= 0)
        {
            throw DomainException.Invalid("amount", "invalid", "amount must be greater than zero (the deal total is zero)");
        }
        if (amount > current.Pricing.Total)
        {
            throw DomainException.Invalid("amount", "exceeds_total",
                $"amount may not exceed the deal total {MoneyFormat.Amount(current.Pricing.Total, current.Currency)} {current.Currency}");
        }
        if (request.Currency is { } currency && currency != current.Currency)
        {
            throw DomainException.Invalid("currency", "currency_mismatch", $"The escrow must be in the deal currency {current.Currency}");
        }
        var now = time.GetUtcNow();
        var hold = EscrowHold(amount);
        var expiresAt = now.AddSeconds(request.ExpiresInSeconds);
        var conditions = request.Conditions
            .Select(c => new EscrowCondition(ResourceIds.New(EscrowKeys.ConditionPrefix), c.Type, c.ConfigJson, EscrowKeys.ConditionPending, null, null))
            .ToList();
        var escrow = new DealEscrow(ResourceIds.New(EscrowKeys.IdPrefix), current.Id, EscrowKeys.Held, amount, current.Currency, conditions,
            expiresAt, now, null, null, null,
            [new EscrowStep("escrow.created", now, actor.Actor, $"{conditions.Count} condition(s); expires at {expiresAt:O}{(hold is null ? "" : $"; held on card payment {hold.Id}")}")],
            hold?.Id);
        var created = Outbox.Event("escrow.created", now, new
        {
            id = escrow.Id,
            escrow_id = escrow.Id,
            deal_id = current.Id,
            amount = MoneyFormat.Amount(amount, escrow.Currency),
            currency = escrow.Currency,
            release_condition = "all_conditions_fulfilled",
            conditions = conditions.Select(c => new { id = c.Id, type = c.Type }),
            expires_at = escrow.ExpiresAt,
            payment_intent_id = escrow.PaymentIntentId,
        });
        var deal = await Apply(current, transition, actor, now, d => d, [created], "escrow.created",
            new { escrow_id = escrow.Id, amount, currency = escrow.Currency, conditions = conditions.Select(c => new { c.Id, c.Type }), expires_at = escrow.ExpiresAt },
            s => s.Escrow = escrow);
        await ArmDeadline();
        return new DealEscrowResult(escrow, deal);
    }

    public async Task<DealEscrowResult> FulfillCondition(string conditionId, string? metBy, DealActor actor)
    {
        await SettleDeadlines();
        var current = Existing();
        var escrow = HeldEscrow();
        var condition = escrow.Conditions.FirstOrDefault(c => c.Id == conditionId) ?? throw DomainException.NotFound("Escrow condition");
        if (condition.Status == EscrowKeys.ConditionMet)
        {
            throw DomainException.Conflict("conflict.condition_already_fulfilled", $"Condition {conditionId} was fulfilled at {condition.MetAt:O}");
        }
        var now = time.GetUtcNow();
        var by = metBy ?? actor.Actor;
        var next = escrow with
        {
            Conditions = [.. escrow.Conditions.Select(c => c.Id == conditionId ? c with { Status = EscrowKeys.ConditionMet, MetBy = by, MetAt = now } : c)],
        };
        next = next with { Timeline = [.. escrow.Timeline, new EscrowStep("escrow.condition_fulfilled", now, actor.Actor, $"{conditionId} ({condition.Type}) met by {by}")] };
        var deal = Stamp(current, now);
        await CommitAudited(deal, [Outbox.Event("escrow.condition_fulfilled", now, new
        {
            id = escrow.Id,
            escrow_id = escrow.Id,
            deal_id = current.Id,
            condition_id = conditionId,
            type = condition.Type,
            met_by = by,
            fulfilled_at = now,
            all_conditions_fulfilled = next.Releasable,
        })], actor, "escrow.condition_fulfilled", new { escrow_id = escrow.Id, condition_id = conditionId, met_by = by }, s => s.Escrow = next);
        return new DealEscrowResult(next, deal);
    }

    public async Task<DealEscrowResult> ReleaseEscrow(DealActor actor)
    {
        await SettleDeadlines();
        var current = Existing();
        var escrow = HeldEscrow();
        var transition = Lookup(current, DealStatuses.Closed, DealStateMachine.ReleaseEscrowAction);
        if (!escrow.Releasable)
        {
            var pending = escrow.Conditions.Where(c => c.Status != EscrowKeys.ConditionMet).Select(c => new PendingEscrowCondition(c.Id, c.Type));
            throw DomainException.Conflict("conflict.escrow_conditions_unmet", "Every escrow condition must be fulfilled before release",
                new EscrowConditionsUnmetDetails(escrow.Id, [.. pending]));
        }
        var now = time.GetUtcNow();
        var released = escrow with
        {
            Status = EscrowKeys.Released,
            ReleasedAt = now,
            Timeline = [.. escrow.Timeline, new EscrowStep("escrow.released", now, actor.Actor, "released to the seller; deal closed")],
        };
        var evt = Outbox.Event("escrow.released", now, new
        {
            id = escrow.Id,
            escrow_id = escrow.Id,
            deal_id = current.Id,
            amount = MoneyFormat.Amount(escrow.Amount, escrow.Currency),
            currency = escrow.Currency,
            released_at = now,
        });
        var (payments, paymentEvents) = await CaptureEscrowHold(current, escrow, now);
        var deal = await Apply(current, transition, actor, now, d => d, [evt, .. paymentEvents], "escrow.released",
            new { escrow_id = escrow.Id, amount = escrow.Amount, from = current.Status, to = transition.To }, s =>
            {
                s.Escrow = released;
                s.Payments = payments;
            });
        await ArmDeadline();
        return new DealEscrowResult(released, deal);
    }

    public async Task<DealEscrowResult> RefundEscrow(string reason, DealActor actor)
    {
        await SettleDeadlines();
        HeldEscrow();
        var result = await Refund(reason, DealStateMachine.RefundEscrowAction, DealStatuses.PendingPayment, actor);
        await ArmDeadline();
        return result;
    }

    public Task<DealEscrow> Escrow()
    {
        _ = Existing();
        return Task.FromResult(Current.Escrow ?? throw DomainException.NotFound("Escrow"));
    }

    /// <summary>Refund (client: deal stays in pending_payment; expiry: the deal expires), as the table's move says.</summary>
    private async Task<DealEscrowResult> Refund(string reason, string action, string target, DealActor actor)
    {
        var current = Existing();
        var escrow = HeldEscrow();
        var transition = Lookup(current, target, action);
        var now = time.GetUtcNow();
        var refunded = escrow with
        {
            Status = EscrowKeys.Refunded,
            RefundedAt = now,
            RefundReason = reason,
            Timeline = [.. escrow.Timeline, new EscrowStep("escrow.refunded", now, actor.Actor, $"refunded to the buyer ({reason})")],
        };
        var evt = Outbox.Event("escrow.refunded", now, new
        {
            id = escrow.Id,
            escrow_id = escrow.Id,
            deal_id = current.Id,
            amount = MoneyFormat.Amount(escrow.Amount, escrow.Currency),
            currency = escrow.Currency,
            reason,
            expires_at = escrow.ExpiresAt,
            refunded_at = now,
        });
        var payments = await CancelEscrowHold(escrow, now, bestEffort: action == DealStateMachine.EscrowExpiryAction);
        var deal = await Apply(current, transition, actor, now, d => d, [evt], "escrow.refunded",
            new { escrow_id = escrow.Id, amount = escrow.Amount, reason, from = current.Status, to = transition.To }, s =>
            {
                s.Escrow = refunded;
                s.Payments = payments;
            });
        return new DealEscrowResult(refunded, deal);
    }

    private DealEscrow HeldEscrow() => Current.Escrow switch
    {
        { IsHeld: true } held => held,
        null => throw DomainException.NotFound("Escrow"),
        { } done => throw DomainException.Conflict("conflict.escrow_not_held",
            $"The deal's escrow {done.Id} was {done.Status}{(done.RefundReason is { } r ? $" ({r})" : "")}; no escrow is held",
            new EscrowNotHeldDetails(done.Id, done.Status, done.RefundReason)),
    };
}
