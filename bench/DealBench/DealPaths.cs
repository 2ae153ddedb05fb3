namespace DealBench;

/// <summary>
/// What each request kind commits in PostgreSQL, read from the grains (<c>ResourceGrain.cs</c>, <c>GrainStateWriter</c>,
/// <c>OutboxRelay.cs</c>, <c>EventLogGrain.cs</c>; docs/write-path.md), so the measured counts can be checked against the
/// code. In the bench no webhook endpoint exists, so every event is stored as delivered at once.
/// </summary>
public static class DealPaths
{
    private const string Change =
        "(1) the change: one statement, one transaction (`GrainStateWriter`, group-committed with other grains' changes): `grain_state` upsert " +
        "(record, outbox events, audit tail) joined to the `resource_projection` upsert and the `audit_log` insert; " +
        "(2) the outbox hand-off: `EventLogGrain.Append` → `PostgresEventLogStore.AppendAsync` (one transaction; the events are stored as delivered). " +
        "The outbox trim has no write of its own: the next change's statement (or the deactivation's) stores it";

    public const string Create =
        "1 more than a change: the new deal grain's activation reads its (empty) state row; then " + Change +
        ". Customer check is a grain call (active customer: no query); the deal id carries the tenant tag, so no locator write.";

    public const string AddItem = Change + ". Product check is a grain call (active product: no query).";

    public const string Transition = Change + ".";
}
