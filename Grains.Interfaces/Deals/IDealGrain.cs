using Orleans.Concurrency;

namespace Grains.Interfaces.Deals;

/// <summary>
/// One deal (key <c>{tenant}:{env}/deal_...</c>): header, line items, discounts, terms, signatures and its audit chain.
/// Every change goes through the status machine (<see cref="DealStateMachine"/>), bumps the version, appends an audit
/// entry and emits its events; <c>expectedVersion</c> (If-Match) is checked when given.
/// </summary>
public interface IDealGrain : IGrainWithStringKey
{
    Task<DealView> Create(DealFields fields, DealActor actor);

    /// <summary>
    /// Creates the deal with its items, discounts and terms in one write (or only prices it when <paramref name="dryRun"/>).
    /// An inline customer is matched by email or created, after everything else was checked (a dry run creates nothing).
    /// </summary>
    Task<DealView> CreateConfigured(DealConfiguration configuration, bool dryRun, DealActor actor);

    [AlwaysInterleave]
    Task<DealView> Get();

    Task<DealView> Update(DealChanges changes, long expectedVersion, DealActor actor);

    /// <summary>Cancels the deal; a deal already cancelled (or expired) is deleted for good.</summary>
    Task<DealDeletion> Delete(long expectedVersion, DealActor actor);

    Task<DealView> AddItem(DealItemInput item, long? expectedVersion, DealActor actor);

    Task<DealView> UpdateItem(string itemId, int quantity, long? expectedVersion, DealActor actor);

    Task<DealView> RemoveItem(string itemId, long? expectedVersion, DealActor actor);

    Task<DealView> ApplyDiscount(DealDiscountInput discount, long? expectedVersion, DealActor actor);

    Task<DealView> Transition(string target, long? expectedVersion, DealActor actor);

    Task<IReadOnlyList<DealValidTransition>> ValidTransitions();

    Task<DealView> SetTerms(string termsJson, DealActor actor);

    Task<DealView> Sign(DealSignRequest request, DealActor actor);

    Task<DealView> Unsign(string? reason, DealActor actor);

    Task<DealPartialAcceptResult> PartialAccept(IReadOnlyList<string> acceptedItems, IReadOnlyList<string> rejectedItems,
        bool createDeclinedDeal, DealActor actor);

    Task<DealView> RecordOutcome(string reason, string? notes, string? competitorName, DealActor actor);

    Task<DealAuditPage> Audit(int offset, int limit);

    Task<AuditVerification> VerifyAudit();

    /// <summary>The public check: the signed hash against the current content, and the signature against the tenant key.</summary>
    Task<DealVerification> Verify();

    /// <summary>
    /// The delegation holding the deal's value decided its pending approval (<c>approved</c>, <c>rejected</c> or
    /// <c>expired</c>): approved, the deal may move on; refused, it is cancelled (its hold is already released).
    /// </summary>
    [OneWay]
    Task ApprovalDecided(string delegationId, string status);
}

/// <summary>Lists, exports and reference checks over a partition's deals (the projection).</summary>
public interface IDealDirectoryGrain : IGrainWithStringKey
{
    Task<Projections.ListPage<DealView>> List(Projections.ListQuery query, CancellationToken cancellationToken = default);
}

/// <summary>
/// Where a deal made before tagged ids lives (key: the deal id): written by those creates, read by the public
/// verification endpoint for their ids. New deals carry a partition tag instead (<see cref="DealIds"/>).
/// </summary>
public interface IDealLocatorGrain : IGrainWithStringKey
{
    Task Register(string partition);

    Task<string?> Partition();
}

/// <summary>
/// The partitions whose deal ids carry one tag (key: <see cref="DealIds.Tag"/>; normally one partition, more only on a
/// tag collision). Written once per partition, the first time a silo creates a deal for it.
/// </summary>
public interface IDealTagGrain : IGrainWithStringKey
{
    Task Register(string partition);

    Task<IReadOnlyList<string>> Partitions();
}
