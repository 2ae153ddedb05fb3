namespace Grains.Interfaces.Deals;

/// <summary>
/// One link of an entity's audit chain (the document's §16). <see cref="EntryHash"/> covers entity type and id, action,
/// changes, snapshot, the previous entry's hash and <see cref="CreatedAt"/>; <see cref="Sequence"/> counts 1.. per entity.
/// </summary>
/// <param name="Id"><c>audit_</c> + 24 hex.</param>
/// <param name="Partition"><c>tenant:environment</c>.</param>
/// <param name="PreviousHash">The previous entry's <see cref="EntryHash"/>; the genesis hash (64 zeros) for the first.</param>
/// <param name="CreatedAt">Microsecond precision (PostgreSQL's), so the hash recomputes after a round trip.</param>
[GenerateSerializer, Immutable, Alias("deals.audit-entry")]
public sealed record AuditEntry(
    [property: Id(0)] string Id,
    [property: Id(1)] string Partition,
    [property: Id(2)] string EntityType,
    [property: Id(3)] string EntityId,
    [property: Id(4)] long Sequence,
    [property: Id(5)] string Action,
    [property: Id(6)] string Actor,
    [property: Id(7)] string ActorType,
    [property: Id(8)] string ChangesJson,
    [property: Id(9)] string SnapshotJson,
    [property: Id(10)] string PreviousHash,
    [property: Id(11)] DateTimeOffset CreatedAt,
    [property: Id(12)] string EntryHash);

/// <param name="Status"><c>verified</c> or <c>tampered</c>.</param>
/// <param name="FirstBrokenEntryId">The first entry that does not check out; null when verified.</param>
/// <param name="Reason">Why that entry failed; null when verified.</param>
[GenerateSerializer, Immutable, Alias("deals.audit-verification")]
public sealed record AuditVerification(
    [property: Id(0)] string Status,
    [property: Id(1)] int TotalEntries,
    [property: Id(2)] string? FirstBrokenEntryId,
    [property: Id(3)] long? FirstBrokenSequence,
    [property: Id(4)] string? Reason);
