namespace DealBench;

/// <summary>
/// What each request kind commits in PostgreSQL, read from the grains (<c>DealGrain*.cs</c>, <c>ResourceGrain.cs</c>,
/// <c>OutboxRelay.cs</c>, <c>EventLogGrain.cs</c>, <c>WebhookDirectoryGrain.cs</c>, the stores), so the measured counts
/// can be checked against the code. A change (add_item, transition) goes through <c>CommitAudited</c> →
/// <c>ResourceGrain.Commit</c>; in the bench no webhook endpoint exists, so every event is marked delivered at once.
/// </summary>
public static class DealPaths
{
    private const string Change =
        "(1) deal state write (`WriteStateAsync`, Orleans ADO.NET `WriteToStorageKey` upsert of `orleans_storage`, new record + outbox event + pending audit entry); " +
        "(2) event log append (`EventLogGrain.Append` → `PostgresEventLogStore.AppendAsync`: one transaction, 3 round trips: lock the partition counter + look up ids, insert + move the counter, COMMIT); " +
        "(3) event status set to delivered (`WebhookDirectoryGrain.Dispatch` → `SetStatusesAsync`: no endpoint wants it); " +
        "(4) outbox trim (`OutboxRelay` → second `WriteStateAsync` of the deal); " +
        "(5) projection upsert (`PostgresProjectionStore.UpsertAsync`, the list/search row); " +
        "(6) audit append (`SyncAudit` → `PostgresAuditStore.AppendAsync`, the hash-chained entry)";

    public const string Create =
        "3 more than a change: deal grain activation reads its state (`ReadFromStorageKey`, an empty row); `DealLocatorGrain.Register` activation read + " +
        "its state write (deal id → tenant, for public verify); then the change's six: " + Change + ". Customer check is a grain call (activated customer: no query).";

    public const string AddItem = "The change's six: " + Change + ". Product check is a grain call (activated product: no query).";

    public const string Transition = "The change's six (`Move` → `Apply` → `CommitAudited`): " + Change + ".";

    public const string Get = "None expected: the deal grain is active, its state in memory (the auth key lookup is cached in ApiHost).";
}
