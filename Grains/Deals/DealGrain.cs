using System.Text.Json;
using Grains.Deals.Audit;
using Grains.Delegations.Ledger;
using Grains.Events;
using Grains.Interfaces.Customers;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Events;
using Grains.Interfaces.Money;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Products;
using Grains.Interfaces.Projections;
using Grains.Platform;
using Grains.Projections;
using Grains.Resources;
using Microsoft.Extensions.Logging;

namespace Grains.Deals;

/// <summary>
/// A deal (key <c>{tenant}:{env}/deal_...</c>). Each change is one state write holding the new deal, its events
/// (outbox) and its audit entry (chained to the previous one); then events go to the event log, the deal to the
/// projection and the audit entry to the audit store. This file: lifecycle and fields. Items, discounts and terms:
/// <c>DealGrain.Items.cs</c>; status moves and signing: <c>DealGrain.Status.cs</c>.
/// </summary>
public sealed partial class DealGrain(
    [PersistentState("deal")] IPersistentState<DealState> state,
    IProjectionStore projections,
    IAuditStore audit,
    IDelegationLedger ledger,
    DealTags tags,
    TimeProvider time,
    ILogger<DealGrain> logger) : ResourceGrain<DealState, DealView>(state, projections, logger), IDealGrain
{

    protected override string ResourceType => DealKeys.ResourceType;

    protected override ProjectionRow ToRow(DealView record) => DealRecords.ToRow(Partition, record);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await base.OnActivateAsync(cancellationToken);
        await SyncAudit();
    }

    public async Task<DealView> Create(DealFields fields, DealActor actor)
    {
        var deal = await New(fields, [], [], null);
        await Locate();
        await CommitAudited(deal, [Outbox.Event("deal.created", deal.CreatedAt, DealRecords.Summary(deal))], actor, "deal.created",
            new { fields.Title, fields.CustomerId, fields.Currency, fields.TaxRate });
        return deal;
    }

    private async Task<DealView> CreateWith(DealFields fields, IReadOnlyList<DealItemInput> items, IReadOnlyList<DealDiscountInput> discounts,
        string? termsJson, bool dryRun, DealActor actor)
    {
        foreach (var productId in items.Select(i => i.ProductId).Distinct())
        {
            await CheckProduct(productId);
        }
        var deal = await New(fields, items, discounts, termsJson);
        if (dryRun)
        {
            return deal with { Version = 0 };
        }
        var summary = DealRecords.Summary(deal);
        await Locate();
        await CommitAudited(deal,
            [Outbox.Event("deal.created", deal.CreatedAt, summary), Outbox.Event("deal.created_configured", deal.CreatedAt, new
            {
                id = deal.Id,
                deal_id = deal.Id,
                customer_id = deal.CustomerId,
                item_count = deal.Items.Count,
                discount_count = deal.Discounts.Count,
                total = MoneyFormat.Amount(deal.Pricing.Total, deal.Currency),
                currency = deal.Currency,
            })],
            actor, "deal.created_configured", new { items = items.Count, discounts = discounts.Count, terms = termsJson is not null });
        return deal;
    }

    public Task<DealView> Get() => Task.FromResult(Existing());

    public async Task<DealView> Update(DealChanges changes, long expectedVersion, DealActor actor)
    {
        var current = ExistingAt(expectedVersion, What);
        var cleared = changes.Cleared ?? [];
        var touchesSignedContent = changes.Title is not null || changes.CustomerId is not null || changes.Currency is not null ||
                                   changes.TaxRate is not null || changes.DealType is not null || changes.BillingCycle is not null ||
                                   cleared.Contains("customer_id") || cleared.Contains("billing_cycle");
        EnsureChangeable(current, touchesSignedContent);
        if (changes.CustomerId is { } customerId && customerId != current.CustomerId)
        {
            await CheckCustomer(customerId);
        }
        var now = time.GetUtcNow();
        var next = current with
        {
            Title = changes.Title ?? current.Title,
            CustomerId = cleared.Contains("customer_id") ? null : changes.CustomerId ?? current.CustomerId,
            Description = cleared.Contains("description") ? null : changes.Description ?? current.Description,
            Currency = changes.Currency ?? current.Currency,
            TaxRate = changes.TaxRate ?? current.TaxRate,
            DealType = changes.DealType ?? current.DealType,
            BillingCycle = cleared.Contains("billing_cycle") ? null : changes.BillingCycle ?? current.BillingCycle,
            DepositRequired = cleared.Contains("deposit_required") ? null : changes.DepositRequired ?? current.DepositRequired,
            Notes = cleared.Contains("notes") ? null : changes.Notes ?? current.Notes,
            MetadataJson = cleared.Contains("metadata") ? null : changes.MetadataJson ?? current.MetadataJson,
        };
        DealInputRules.CheckBillingCycle(next.DealType, next.BillingCycle);
        var changed = DealRules.ChangedFields(current, next);
        next = Stamp(DealRecords.Priced(next), now);
        await CommitAudited(next, [Outbox.Event("deal.updated", now, new { id = next.Id, deal_id = next.Id, changed_fields = changed, updated_at = now })],
            actor, "deal.updated", new { changed_fields = changed });
        return next;
    }

    public async Task<DealDeletion> Delete(long expectedVersion, DealActor actor)
    {
        var current = ExistingAt(expectedVersion, What);
        if (current.Status == DealStatuses.Closed)
        {
            throw DealRules.AlreadyClosed();
        }
        var now = time.GetUtcNow();
        if (current.Status is DealStatuses.Cancelled or DealStatuses.Expired)
        {
            var deleted = new DealDeletion(true, null);
            await CommitAudited(null, [], actor, "deal.deleted", new { previous_status = current.Status }, result: deleted);
            return deleted;
        }
        var cancelled = await Move(current, DealStatuses.Cancelled, DealStateMachine.TransitionAction, actor, now, d => d,
            d => new DealDeletion(false, d));
        return new DealDeletion(false, cancelled);
    }

    public async Task<DealView> RecordOutcome(string reason, string? notes, string? competitorName, DealActor actor)
    {
        // An outcome is analysis, not content: it may be recorded on a closed deal (that is when "won" is known).
        var current = Existing();
        var now = time.GetUtcNow();
        var next = Stamp(current with { Outcome = new DealOutcome(reason, notes, competitorName, now) }, now);
        await CommitAudited(next, [Outbox.Event("deal.updated", now, new { id = next.Id, deal_id = next.Id, changed_fields = new[] { "outcome" }, updated_at = now })],
            actor, "deal.outcome_recorded", new { reason, notes, competitor_name = competitorName });
        return next;
    }

    public async Task<DealAuditPage> Audit(int offset, int limit)
    {
        _ = Existing();
        await SyncAudit();
        var entries = await audit.ReadAsync(Partition, DealKeys.ResourceType, ResourceId, offset, limit);
        return new DealAuditPage(entries, await audit.CountAsync(Partition, DealKeys.ResourceType, ResourceId));
    }

    public async Task<AuditVerification> VerifyAudit()
    {
        if (Current.AuditTail is null)
        {
            throw DomainException.NotFound("Deal");
        }
        await SyncAudit();
        var entries = await audit.ReadAllAsync(Partition, DealKeys.ResourceType, ResourceId);
        var result = AuditChain.Verify(entries);
        // The chain can be intact yet cut short: its end must be the entry the deal last wrote.
        if (result.Status == "verified" && (entries.Count == 0 || entries[^1].EntryHash != Current.AuditTail.EntryHash))
        {
            return new AuditVerification("tampered", entries.Count, entries.Count > 0 ? entries[^1].Id : null,
                entries.Count > 0 ? entries[^1].Sequence : null, "The stored trail does not end with the deal's last entry");
        }
        return result;
    }

    private const string What = "Deal";

    private DealView Existing() => Existing(What);

    /// <summary>
    /// Makes the deal findable by the public verify endpoint: a tagged id (<see cref="DealIds"/>) needs its partition's
    /// tag registered, once per partition and process; an untagged one (made by a caller with its own id) a locator entry.
    /// </summary>
    private Task Locate() => DealIds.TagOf(ResourceId) == DealIds.Tag(Partition)
        ? tags.EnsureRegistered(Partition)
        : GrainFactory.GetGrain<IDealLocatorGrain>(ResourceId).Register(Partition);

    private async Task<DealView> New(DealFields fields, IReadOnlyList<DealItemInput> items, IReadOnlyList<DealDiscountInput> discounts, string? termsJson)
    {
        EnsureNew("A deal");
        DealInputRules.CheckBillingCycle(fields.DealType, fields.BillingCycle);
        for (var i = 0; i < discounts.Count; i++)
        {
            DealInputRules.CheckDiscount(discounts[i], $"discounts[{i}].value");
        }
        if (fields.CustomerId is { } customerId)
        {
            await CheckCustomer(customerId);
        }
        var now = time.GetUtcNow();
        var deal = new DealView(ResourceId, fields.CustomerId, fields.Title, fields.Description, DealStatuses.Draft, fields.DealType,
            fields.BillingCycle, fields.Currency, fields.TaxRate, fields.DepositRequired, fields.Notes, fields.MetadataJson,
            [.. items.Select(i => DealRules.NewItem(i))], [.. discounts.Select(d => DealRules.NewDiscount(d, now))], DealRecords.NoPricing,
            termsJson, termsJson is null ? 0 : 1, [], null, 1, now, now, null, null);
        return DealRecords.Priced(deal);
    }

    /// <summary>The next version of a changed deal, stamped with the change time.</summary>
    private DealView Stamp(DealView next, DateTimeOffset now) => next with { Version = Current.Version + 1, UpdatedAt = now };

    /// <summary>
    /// Commits the deal (null: deleted) with its events and an audit entry chained to the last one, in one write.
    /// <paramref name="amend"/> sets the escrow, negotiation or payments of the new state (all carry over unchanged otherwise);
    /// <paramref name="result"/> is what the calling method returns when it is not the deal itself (kept for a keyed replay).
    /// A change made under a delegation is first held in its chain, and writes its delegation ledger rows in the same
    /// transaction (<c>DealGrain.Delegation.cs</c>).
    /// </summary>
    private async Task CommitAudited(DealView? next, IReadOnlyList<OutboxEvent> events, DealActor actor, string action, object changes,
        Action<DealState>? amend = null, object? result = null)
    {
        await CheckTrustCap(next, actor);
        var delegation = await ChangeUnderDelegation(next, actor, action);
        var now = next?.UpdatedAt ?? time.GetUtcNow();
        var entry = AuditChain.Next(Current.AuditTail, Partition, DealKeys.ResourceType, ResourceId, action, actor.Actor, actor.ActorType,
            ResourceDocuments.Write(changes), next is null ? "null" : ResourceDocuments.Write(next), now);
        var inTransaction = DerivedRowsInTransaction;
        var ledgerRows = LedgerRows(delegation, next, now);
        try
        {
            await Commit(next, events, (previous, written) => Amend(previous, written, delegation), [entry], result,
                inTransaction ? ledgerRows : null);
        }
        catch
        {
            await AbandonHolds(delegation);
            throw;
        }
        if (!inTransaction)
        {
            await ledger.AppendAsync(ledgerRows);
        }
        await TellDelegation(delegation, ledgerRows);

        void Amend(DealState previous, DealState written, DelegationChange delegation)
        {
            written.AuditTail = entry;
            // Where the storage writes the entry with the state, nothing is pending; elsewhere it is handed on after the write.
            written.PendingAudit = inTransaction ? previous.PendingAudit : [.. previous.PendingAudit, entry];
            written.Escrow = previous.Escrow;
            written.Negotiation = previous.Negotiation;
            written.Payments = previous.Payments;
            written.Delegation = delegation.Hold;
            written.AgentKeyId = AgentKeyAfter(previous, next, actor);
            written.PaymentDue = previous.PaymentDue;
            amend?.Invoke(written);
            // An amend that sets the hold (an approval decided) keeps the release it causes.
            if (delegation.Hold?.Closed is { } closed && written.Delegation is { Closed: null } kept)
            {
                written.Delegation = kept with { Closed = closed };
            }
        }
    }

    protected override Task AfterCommit() => SyncAudit();

    /// <summary>Hands written audit entries to the store (idempotent by sequence); what fails is retried on the next change or activation.</summary>
    private async Task SyncAudit()
    {
        if (Current.PendingAudit.Count == 0)
        {
            return;
        }
        try
        {
            await audit.AppendAsync([.. Current.PendingAudit]);
            Current.PendingAudit.Clear();
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Storing audit entries of {Deal} failed; retrying with the next change", GrainKey);
        }
    }

    private async Task CheckCustomer(string customerId)
    {
        try
        {
            await GrainFactory.GetGrain<ICustomerGrain>(CustomerKeys.Grain(Partition, customerId)).Get();
        }
        catch (DomainException ex) when (ex.IsNotFound)
        {
            throw DomainException.Invalid("customer_id", "not_found", $"Customer {customerId} does not exist");
        }
    }

    private async Task CheckProduct(string productId)
    {
        ProductView product;
        try
        {
            product = await GrainFactory.GetGrain<IProductGrain>(ProductKeys.Grain(Partition, productId)).Get();
        }
        catch (DomainException ex) when (ex.IsNotFound)
        {
            throw DomainException.Invalid("product_id", "not_found", $"Product {productId} does not exist");
        }
        if (product.Status != "active")
        {
            throw DomainException.Invalid("product_id", "inactive", $"Product {productId} is {product.Status}; only active products can be added");
        }
    }

    /// <summary>Closed deals take no change; cancelled and expired ones only deletion; signed content needs an unsign first.</summary>
    private static void EnsureChangeable(DealView deal, bool signedContent)
    {
        if (deal.Status == DealStatuses.Closed)
        {
            throw DealRules.AlreadyClosed();
        }
        if (deal.Status is DealStatuses.Cancelled or DealStatuses.Expired)
        {
            throw DomainException.Conflict("conflict.deal_not_editable", $"The deal is {deal.Status}; it can only be deleted");
        }
        if (signedContent && deal.Signatures.Count > 0)
        {
            throw DomainException.Conflict("conflict.deal_signed",
                "The deal is signed; remove the signatures (action=unsign) before changing what was signed");
        }
    }
}
