using Grains.Delegations;
using Grains.Delegations.Ledger;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Delegations;
using Grains.Interfaces.Platform;
using Microsoft.Extensions.Logging;

namespace Grains.Deals;

/// <summary>
/// A deal created or raised under a delegation (<see cref="DealActor.DelegationId"/>): its total is held in the
/// delegation chain before the change is written (a refusal leaves nothing), released when the deal is cancelled,
/// expires or its approval is refused, and settled as spent when it closes. Each of these writes one delegation ledger
/// row per link in the change's own transaction; the links are told once it is written (a hold is confirmed, or
/// abandoned when the write failed). See <c>Grains/Delegations/DelegationGrain.Ledger.cs</c>.
/// </summary>
public sealed partial class DealGrain
{
    /// <summary>
    /// What a change does under its delegation. A cancel, expiry or refused approval releases the hold and a close
    /// settles it (once). Otherwise, under a delegation, a creation, or a change that raises the total above what is
    /// held, holds the new total in the delegation chain (refused: nothing is written); the action checked is the
    /// request's (<c>deals:sign</c>, <c>agent:negotiate</c> or <c>deals:write</c>). A deal is held under one
    /// delegation: a change under another is 409.
    /// </summary>
    private async Task<DelegationChange> ChangeUnderDelegation(DealView? next, DealActor actor, string auditAction)
    {
        var held = Current.Delegation;
        if (held is { Closed: null })
        {
            if (next?.Status is DealStatuses.Cancelled or DealStatuses.Expired || auditAction is "deal.approval_rejected" or "deal.approval_expired")
            {
                return new DelegationChange(held with { Closed = LedgerKinds.Release }, LedgerKinds.Release, "deal_cancelled", null);
            }
            if (next?.Status == DealStatuses.Closed)
            {
                return new DelegationChange(held with { Closed = LedgerKinds.Settle }, LedgerKinds.Settle, "deal_closed", null);
            }
        }
        // An offer changes no value: it is checked against the budget (CheckProposedValue), not reserved.
        if (actor.DelegationId is not { } delegationId || next is null || auditAction is "deal.negotiation_proposed" or "deal.negotiation_counter_proposed")
        {
            return new DelegationChange(held, null, "", null);
        }
        if (held is not null && held.DelegationId != delegationId)
        {
            throw DomainException.Conflict("conflict.deal_held_by_other_delegation",
                $"The deal's value is held under delegation {held.DelegationId}; change it under that delegation");
        }
        var amount = next.Pricing.Total;
        if (held is not null && amount <= held.Amount)
        {
            return new DelegationChange(held, null, "", null);
        }
        var action = auditAction switch
        {
            "deal.signed" or "deal.signature_added" => "deals:sign",
            "deal.negotiation_accepted" => "agent:negotiate",
            _ => "deals:write",
        };
        var hold = await Delegation(delegationId).Reserve(new DelegationSpend(actor.Actor, action, amount, ResourceId));
        // A deal with no value yet (no items) was checked but holds nothing: no rows until it has one.
        return new DelegationChange(new DealDelegationHold(delegationId, amount, hold.AwaitingApproval, hold.Links),
            amount > 0 ? LedgerKinds.Reserve : null, DelegationRules.ActivityOf(action, created: held is not { Amount: > 0 }), hold.HeldAt);
    }

    /// <summary>The change's ledger rows: one per link of the chain, the named link's marked direct; all share one id.</summary>
    private List<DelegationLedgerRow> LedgerRows(DelegationChange change, DealView? next, DateTimeOffset now)
    {
        if (change is not { Kind: { } kind, Hold: { } hold })
        {
            return [];
        }
        var id = ResourceIds.New("evt");
        return [.. LinksOf(hold).Select((link, i) => new DelegationLedgerRow(id, Partition, link, ResourceId, Current.Version + 1, kind,
            hold.Amount, next?.Currency ?? "", Direct: i == 0, change.Activity, change.HeldAt ?? now))];
    }

    /// <summary>
    /// After the change is written: the links hear of it (a hold is confirmed, a release or settlement applied). A link
    /// not told (unreachable) learns it from the ledger when its hold lapses or it activates again.
    /// </summary>
    private async Task TellDelegation(DelegationChange change, IReadOnlyList<DelegationLedgerRow> rows)
    {
        if (change is not { Kind: { } kind, Hold: { } hold } || rows.Count == 0)
        {
            return;
        }
        try
        {
            // A confirmation goes to the named link, which passes it up in batches; a release or settlement changes
            // every link's counters, so each hears of it before the answer.
            var links = kind == LedgerKinds.Reserve ? LinksOf(hold).Take(1) : LinksOf(hold);
            await Task.WhenAll(links.Select((link, i) =>
            {
                var notice = new DelegationNotice(ResourceId, rows[0].Id, Direct: i == 0);
                var grain = Delegation(link);
                return kind switch
                {
                    LedgerKinds.Reserve => grain.Confirm(notice),
                    LedgerKinds.Release => grain.Release(notice),
                    _ => grain.Settle(notice),
                };
            }));
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Telling the delegation chain of {Deal} of its {Kind} failed; the ledger holds it", GrainKey, kind);
        }
    }

    /// <summary>The change's write failed: its holds are dropped (each link first checks the ledger in case the write landed).</summary>
    private async Task AbandonHolds(DelegationChange change)
    {
        if (change is not { Kind: LedgerKinds.Reserve, Hold: { } hold })
        {
            return;
        }
        try
        {
            await Task.WhenAll(LinksOf(hold).Select(link => Delegation(link).Abandon(ResourceId)));
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Abandoning the delegation holds of {Deal} failed; they lapse", GrainKey);
        }
    }

    private static IReadOnlyList<string> LinksOf(DealDelegationHold hold) => hold.Links is { Count: > 0 } links ? links : [hold.DelegationId];

    /// <summary>
    /// A proposed value under a delegation (a negotiation offer by its grantee) must fit what the chain could still
    /// reserve for this deal: 403 <c>DELEGATION_BUDGET_EXCEEDED</c> otherwise. A deal held under another delegation is 409.
    /// </summary>
    private async Task CheckProposedValue(DealView proposed, DealActor actor)
    {
        if (actor.DelegationId is not { } delegationId)
        {
            return;
        }
        if (Current.Delegation is { } held && held.DelegationId != delegationId)
        {
            throw DomainException.Conflict("conflict.deal_held_by_other_delegation",
                $"The deal's value is held under delegation {held.DelegationId}; negotiate it under that delegation");
        }
        await Delegation(delegationId).CheckBudget(new DelegationSpend(actor.Actor, "agent:negotiate", proposed.Pricing.Total, ResourceId));
    }

    public async Task ApprovalDecided(string delegationId, string status)
    {
        if (Current.Record is not { } current || Current.Delegation is not { AwaitingApproval: true } hold || hold.DelegationId != delegationId)
        {
            return;
        }
        var now = time.GetUtcNow();
        var decided = hold with { AwaitingApproval = false };
        var changes = new { delegation_id = delegationId, approval = status };
        if (status == DelegationApprovals.Approved || DealStateMachine.Find(current.Status, DealStatuses.Cancelled, DealStateMachine.TransitionAction) is null)
        {
            await CommitAudited(Stamp(current, now), [], SystemActor, $"deal.approval_{status}", changes, s => s.Delegation = decided);
            return;
        }
        await Apply(current, Lookup(current, DealStatuses.Cancelled, DealStateMachine.TransitionAction), SystemActor, now, d => d, [],
            $"deal.approval_{status}", changes, s => s.Delegation = decided);
    }

    /// <summary>409 while the deal's value waits for its delegation's approval: only cancelling (or expiring) moves it on.</summary>
    private void EnsureApproved(string target)
    {
        if (Current.Delegation is { AwaitingApproval: true } hold && target is not (DealStatuses.Cancelled or DealStatuses.Expired))
        {
            throw DomainException.Conflict("conflict.approval_pending",
                $"The deal's value waits for the approval of delegation {hold.DelegationId}'s grantor; it can only be cancelled until then");
        }
    }

    private IDelegationGrain Delegation(string delegationId) =>
        GrainFactory.GetGrain<IDelegationGrain>(DelegationKeys.Grain(Partition, delegationId));
}

/// <summary>
/// The delegation and amount a deal's creation reserved; <see cref="AwaitingApproval"/> while its grantor has not
/// approved it; <see cref="Links"/> the chain it is held on (named link first); <see cref="Closed"/> once released or settled.
/// </summary>
[GenerateSerializer, Immutable, Alias("deals.delegation-hold")]
public sealed record DealDelegationHold([property: Id(0)] string DelegationId, [property: Id(1)] decimal Amount,
    [property: Id(2)] bool AwaitingApproval = false, [property: Id(3)] IReadOnlyList<string>? Links = null,
    [property: Id(4)] string? Closed = null);

/// <summary>
/// What a deal change does under its delegation: the hold the deal keeps after it and the ledger rows it writes
/// (<see cref="Kind"/> null: none; <see cref="Activity"/> the rows read as; <see cref="HeldAt"/> a new hold's time).
/// </summary>
internal sealed record DelegationChange(DealDelegationHold? Hold, string? Kind, string Activity, DateTimeOffset? HeldAt);
