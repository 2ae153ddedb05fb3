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
        "(1) deal state write (`WriteStateAsync` → `PostgresGrainStorage`, `grain_state` upsert: new record + outbox event + pending audit entry); " +
        "(2) event log append (`EventLogGrain.Append` → `PostgresEventLogStore.AppendAsync`: one transaction, 3 round trips; an event no endpoint wants is stored as delivered, no further write); " +
        "(3) projection upsert (`PostgresProjectionStore.UpsertAsync`, the list/search row); " +
        "(4) audit append (`SyncAudit` → `PostgresAuditStore.AppendAsync`, the hash-chained entry). " +
        "The outbox trim has no write of its own: the next change's state write (or the deactivation's) stores it. " +
        "All four are group-committed: alone each is its own commit, under load concurrent requests share statements and commits";
    public const string Create =
        "3 more than a change: deal grain activation reads its state (`ReadFromStorageKey`, an empty row); `DealLocatorGrain.Register` activation read + " +
        "its state write (deal id → tenant, for public verify); then the change's four: " + Change + ". Customer check is a grain call (activated customer: no query).";

    public const string AddItem = "The change's four: " + Change + ". Product check is a grain call (activated product: no query).";

    public const string Transition = "The change's four (`Move` → `Apply` → `CommitAudited`): " + Change + ".";

    public const string Get = "None expected: the deal grain is active, its state in memory (the auth key lookup is cached in ApiHost).";
}
