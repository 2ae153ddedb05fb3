using System.Text;
using Grains.Deals.Signing;
using Grains.Events;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Idempotency;
using Grains.Interfaces.Events;
using Grains.Interfaces.Money;
using Grains.Interfaces.Platform;
using Grains.Platform;

namespace Grains.Deals;

/// <summary>Status moves (all looked up in <see cref="DealStateMachine"/>), signing, unsigning, partial acceptance, verification.</summary>
public sealed partial class DealGrain
{
    public async Task<DealView> Transition(string target, long? expectedVersion, DealActor actor)
    {
        var current = Existing();
        if (expectedVersion is { } expected)
        {
            CheckVersion(expected);
        }
        return await Move(current, target, DealStateMachine.TransitionAction, actor, time.GetUtcNow(), d => d);
    }

    public Task<IReadOnlyList<DealValidTransition>> ValidTransitions()
    {
        var current = Existing();
        return Task.FromResult<IReadOnlyList<DealValidTransition>>([.. DealStateMachine.From(current.Status).Where(t => !DealStateMachine.IsSystem(t.Action)).Select(t =>
        {
            var unmet = DealRules.Unmet(current, t.Conditions, Current.Escrow);
            return new DealValidTransition(t, unmet.Count == 0, unmet);
        })]);
    }

    public async Task<DealView> Sign(DealSignRequest request, DealActor actor)
    {
        DealRules.CheckConsent(request);
        var current = Existing();
        EnsureChangeable(current, signedContent: false);
        var side = request.SignerType == "customer" || request.SignerCustomerId is not null ? DealRules.Buyer : DealRules.Seller;
        if (side == DealRules.Buyer && current.CustomerId is null)
        {
            throw Unmet(current, DealStatuses.AwaitingSignatures, [DealConditions.HasCustomer]);
        }
        if (request.SignerCustomerId is { } customer && customer != current.CustomerId)
        {
            throw DomainException.Invalid("signer_customer_id", "not_deal_customer", "signer_customer_id must be the deal's customer");
        }
        if (current.Signatures.Any(s => s.Side == side))
        {
            throw DomainException.Conflict("conflict.already_signed", $"The {side} has already signed this deal");
        }
        var target = current.Signatures.Count == 0 ? DealStatuses.AwaitingSignatures : DealStatuses.PendingPayment;
        var hash = DealRecords.SignedHash(current);
        var now = time.GetUtcNow();
        var transition = Lookup(current, target, DealStateMachine.SignAction);
        var proof = await GrainFactory.GetGrain<ITenantSigningKeyGrain>(TenantId).Sign(Encoding.UTF8.GetBytes(hash));
        var signature = new DealSignature(ResourceIds.New(DealKeys.SignaturePrefix), request.SignerType, request.SignerId, request.SignerCustomerId,
            actor.IsAgent || request.SignerType == "agent", side, now, hash, proof.KeyId, proof.Algorithm, proof.SignatureBase64,
            request.ConsentToSign);
        var signatureEvent = Outbox.Event("deal.signature_added", now, new
        {
            id = current.Id,
            deal_id = current.Id,
            signature_id = signature.Id,
            signer_type = signature.SignerType,
            signer_id = signature.SignerId,
            side,
            is_agent_signer = signature.IsAgentSigner,
            signature_hash = hash,
            signed_at = now,
        });
        return await Apply(current, transition, actor, now, d => d with { Signatures = [.. d.Signatures, signature] }, [signatureEvent],
            "deal.signed", new { signature_id = signature.Id, signer_type = signature.SignerType, signer_id = signature.SignerId, side, signature_hash = hash });
    }

    public async Task<DealView> Unsign(string? reason, DealActor actor)
    {
        var current = Existing();
        if (current.Status == DealStatuses.Closed)
        {
            throw DealRules.AlreadyClosed();
        }
        if (current.Signatures.Count == 0)
        {
            throw DomainException.Conflict("conflict.deal_unsigned", "The deal carries no signature");
        }
        var now = time.GetUtcNow();
        var transition = Lookup(current, DealStatuses.PendingSignature, DealStateMachine.UnsignAction);
        var removed = current.Signatures.Select(s => s.Id).ToList();
        var unsigned = Outbox.Event("deal.unsigned", now, new { id = current.Id, deal_id = current.Id, reason, removed_signatures = removed, unsigned_at = now });
        return await Apply(current, transition, actor, now, d => d with { Signatures = [] }, [unsigned],
            "deal.unsigned", new { reason, removed_signatures = removed });
    }

    public async Task<DealPartialAcceptResult> PartialAccept(IReadOnlyList<string> acceptedItems, IReadOnlyList<string> rejectedItems,
        bool createDeclinedDeal, DealActor actor)
    {
        var current = Existing();
        EnsureChangeable(current, signedContent: true);
        var known = current.Items.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        var unknown = acceptedItems.Concat(rejectedItems).Where(id => !known.Contains(id)).Distinct().ToList();
        if (unknown.Count > 0)
        {
            throw DomainException.Invalid("accepted_items", "unknown_item", $"Not line items of this deal: {string.Join(", ", unknown)}");
        }
        if (acceptedItems.Intersect(rejectedItems).Any())
        {
            throw DomainException.Invalid("rejected_items", "overlap", "An item cannot be both accepted and rejected");
        }
        var transition = Lookup(current, DealStatuses.PartiallyAccepted, DealStateMachine.PartialAcceptAction);
        var accepted = acceptedItems.ToHashSet(StringComparer.Ordinal);
        var declined = current.Items.Where(i => !accepted.Contains(i.Id)).ToList();

        // The declined deal first: if that fails, this deal is unchanged (never half-applied).
        DealView? declinedDeal = null;
        if (createDeclinedDeal && declined.Count > 0)
        {
            // A keyed request's retry makes the same declined deal (which then replays), never a second one.
            var declinedId = KeyedChanges.Current is { } keyed
                ? DealIds.Derived(Partition, $"{keyed.Key}\n{keyed.Fingerprint}\ndeclined:{ResourceId}")
                : DealIds.New(Partition);
            var grain = GrainFactory.GetGrain<IDealGrain>(DealKeys.Grain(Partition, declinedId));
            declinedDeal = await grain.CreateConfigured(new DealConfiguration(
                new DealFields($"{current.Title} (declined items)", current.CustomerId, current.Description, current.Currency, current.TaxRate,
                    current.DealType, current.BillingCycle, null, $"Declined items of {current.Id}", null),
                [.. declined.Select(i => new DealItemInput(i.ProductId, i.Name, i.UnitPrice, i.Quantity, i.Description, i.ConfigurationJson,
                    i.PriceType, i.BillingCycle))], [], null), dryRun: false, actor);
        }
        var now = time.GetUtcNow();
        var evt = Outbox.Event("deal.partially_accepted", now, new
        {
            id = current.Id,
            deal_id = current.Id,
            accepted_items = acceptedItems,
            rejected_items = declined.Select(i => i.Id),
            declined_deal_id = declinedDeal?.Id,
        });
        var next = await Apply(current, transition, actor, now, d => d with { Items = [.. d.Items.Where(i => accepted.Contains(i.Id))] }, [evt],
            "deal.partially_accepted", new { accepted_items = acceptedItems, rejected_items = declined.Select(i => i.Id), declined_deal_id = declinedDeal?.Id },
            resultOf: d => new DealPartialAcceptResult(d, declinedDeal));
        return new DealPartialAcceptResult(next, declinedDeal);
    }

    public async Task<DealVerification> Verify()
    {
        var current = Existing();
        var hash = DealRecords.SignedHash(current);
        if (current.Signatures.Count == 0)
        {
            return new DealVerification(current.Id, "unsigned", null, hash, null, null, null);
        }
        var key = await GrainFactory.GetGrain<ITenantSigningKeyGrain>(TenantId).PublicKey();
        var signed = current.Signatures[^1];
        var valid = current.Signatures.All(s =>
            Ed25519Verifier.Verify(key.PublicKeyBase64, Encoding.UTF8.GetBytes(s.DealHash), s.SignatureBase64) && s.DealHash == signed.DealHash);
        var status = valid && signed.DealHash == hash ? "verified" : "tampered";
        return new DealVerification(current.Id, status, signed.DealHash, hash, valid, signed.Algorithm, signed.SignedAt);
    }

    /// <summary>A plain status move (transition or delete): the table's entry, its conditions, its events.</summary>
    private Task<DealView> Move(DealView current, string target, string action, DealActor actor, DateTimeOffset now, Func<DealView, DealView> change,
        Func<DealView, object>? resultOf = null) =>
        Apply(current, Lookup(current, target, action), actor, now, change, [], "deal.status_changed", new { from = current.Status, to = target }, resultOf: resultOf);

    /// <summary>Applies a table move with its change: status, events (<c>deal.status_changed</c>, and <c>deal.closed</c>/<c>deal.expired</c>).</summary>
    private async Task<DealView> Apply(DealView current, DealTransition transition, DealActor actor, DateTimeOffset now,
        Func<DealView, DealView> change, IReadOnlyList<OutboxEvent> events, string auditAction, object auditChanges,
        Action<DealState>? amend = null, Func<DealView, object>? resultOf = null)
    {
        EnsureApproved(transition.To);
        var unmet = DealRules.Unmet(current, transition.Conditions, Current.Escrow);
        if (unmet.Count > 0)
        {
            throw Unmet(current, transition.To, unmet);
        }
        var next = change(current) with { Status = transition.To };
        if (transition.To == DealStatuses.Closed)
        {
            next = next with { ClosedAt = now };
        }
        next = Stamp(DealRecords.Priced(next), now);
        List<OutboxEvent> all = [.. events];
        if (transition.From != transition.To)
        {
            all.Add(Outbox.Event("deal.status_changed", now, new
            {
                id = next.Id,
                deal_id = next.Id,
                previous_status = transition.From,
                new_status = transition.To,
                changed_at = now,
            }));
        }
        if (transition.To == DealStatuses.Closed)
        {
            all.Add(Outbox.Event("deal.closed", now, new
            {
                id = next.Id,
                deal_id = next.Id,
                customer_id = next.CustomerId,
                total = MoneyFormat.Amount(next.Pricing.Total, next.Currency),
                currency = next.Currency,
                closed_at = now,
            }));
        }
        else if (transition.To == DealStatuses.Expired)
        {
            all.Add(Outbox.Event("deal.expired", now, new { id = next.Id, deal_id = next.Id, expired_at = now }));
        }
        var dueBefore = Current.PaymentDue;
        var due = PaymentDueAfter(transition, now);
        await CommitAudited(next, all, actor, auditAction, auditChanges, state =>
        {
            amend?.Invoke(state);
            state.PaymentDue = due;
        }, resultOf?.Invoke(next));
        if (due != dueBefore)
        {
            await ArmDeadline();
        }
        CountForTrust(transition.To, next);
        return next;
    }

    /// <summary>The table's move from the deal's status, or 409 naming what is allowed from there.</summary>
    private static DealTransition Lookup(DealView current, string target, string action)
    {
        if (current.Status == DealStatuses.Closed)
        {
            throw DealRules.AlreadyClosed();
        }
        return DealStateMachine.Find(current.Status, target, action) ?? throw DomainException.Conflict("conflict.invalid_transition",
            $"A deal in status {current.Status} cannot move to {target} by {action}",
            new InvalidTransitionDetails(current.Status, target,
                [.. DealStateMachine.From(current.Status).Select(t => new AllowedTransition(t.To, t.Action))]));
    }

    private static DomainException Unmet(DealView current, string target, IReadOnlyList<string> unmet) =>
        DomainException.Conflict("conflict.transition_conditions_unmet",
            $"Moving to {target} needs: {string.Join(", ", unmet.Select(c => DealConditions.Descriptions[c]))}",
            new UnmetConditionsDetails(current.Status, target, unmet));
}
