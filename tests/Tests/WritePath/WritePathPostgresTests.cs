using Grains.Interfaces.Deals;
using Grains.Interfaces.Idempotency;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Products;
using Grains.Platform;
using Npgsql;
using Tests.Infrastructure;

namespace Tests.WritePath;

/// <summary>
/// The write of a change on real PostgreSQL, faulted at each step (docs/write-path.md): the statement failing before
/// its commit, the event hand-off failing after it, the silo killed with events still in the outbox, a keyed change
/// retried after its silo died. Each test counts what the database holds: nothing lost, nothing doubled.
/// </summary>
public sealed class WritePathPostgresTests
{
    private static readonly DealActor Actor = new("key_test", "api_key");

    private static DealFields Fields(string title) => new(title, null, null, "USD", 0.1m, DealKeys.OneTime, null, null, null, null);

    [PostgresFact]
    public async Task A_change_whose_statement_fails_leaves_state_projection_audit_and_events_as_they_were()
    {
        var database = await TestPostgres.CreateDatabaseAsync("write_fail");
        await using var cluster = new PostgresCluster(database);
        await cluster.StartSiloAsync();
        var client = await cluster.StartClientAsync();
        var partition = $"{ResourceIds.New("ten")}:live";
        var productId = await NewProduct(client, partition);
        var dealId = DealIds.New(partition);
        var deal = client.GetGrain<IDealGrain>(DealKeys.Grain(partition, dealId));
        await deal.Create(Fields("Atomic"), Actor);
        await deal.AddItem(new DealItemInput(productId, "Plan", 99m, 1), null, Actor);
        var before = await Counts(client, database, partition, dealId);
        Assert.Equal((2L, 2L, 2L), (before.DealVersion, before.ProjectionVersion, before.AuditRows));

        // The audit insert is the last part of the change's one statement: failing it must undo the state and projection too.
        await Execute(database, $"""
            CREATE FUNCTION fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected audit failure'; END $$;
            CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log FOR EACH ROW WHEN (NEW.entity_id = '{dealId}') EXECUTE FUNCTION fail_audit();
            """);
        await Assert.ThrowsAnyAsync<Exception>(() => deal.Transition(DealStatuses.Cancelled, null, Actor));
        Assert.Equal(before, await Counts(client, database, partition, dealId));
        Assert.Equal(2, (await deal.Get()).Version);

        await Execute(database, "DROP TRIGGER fail_audit ON audit_log");
        var moved = await deal.Transition(DealStatuses.Cancelled, null, Actor);
        Assert.Equal(3, moved.Version);
        var after = await Eventually.Get(() => Counts(client, database, partition, dealId), c => c.Events >= 3, TimeSpan.FromSeconds(20), "events logged");
        Assert.Equal(new WriteCounts(3, 3, 3, 3), after);
    }

    [PostgresFact]
    public async Task Events_kept_in_the_outbox_by_a_failed_hand_off_and_a_killed_silo_reach_the_log_exactly_once()
    {
        var database = await TestPostgres.CreateDatabaseAsync("write_kill");
        await using var cluster = new PostgresCluster(database);
        var first = await cluster.StartSiloAsync();
        var client = await cluster.StartClientAsync();
        var partition = $"{ResourceIds.New("ten")}:live";
        var productId = await NewProduct(client, partition);

        // The event log refuses this partition: changes still commit (their events wait in the grain's outbox).
        await Execute(database, $"""
            CREATE FUNCTION fail_log() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected log failure'; END $$;
            CREATE TRIGGER fail_log BEFORE INSERT ON event_log FOR EACH ROW WHEN (NEW.partition = '{partition}') EXECUTE FUNCTION fail_log();
            """);
        var dealId = DealIds.New(partition);
        var deal = client.GetGrain<IDealGrain>(DealKeys.Grain(partition, dealId));
        await deal.Create(Fields("Outboxed"), Actor);
        await deal.AddItem(new DealItemInput(productId, "Plan", 99m, 1), null, Actor);
        await deal.Transition(DealStatuses.Cancelled, null, Actor);
        Assert.Equal(new WriteCounts(3, 3, 3, 0), await Counts(client, database, partition, dealId));

        // Crash: the silo dies with the events only in the stored outbox. A new silo's activation hands them on.
        await cluster.StartSiloAsync();
        await cluster.KillSiloAsync(first);
        await Execute(database, "DROP TRIGGER fail_log ON event_log");
        var survivor = await cluster.StartClientAsync();
        var view = await survivor.GetGrain<IDealGrain>(DealKeys.Grain(partition, dealId)).Get();
        Assert.Equal(3, view.Version);

        var after = await Eventually.Get(() => Counts(survivor, database, partition, dealId), c => c.Events >= 3, TimeSpan.FromSeconds(40), "events logged");
        Assert.Equal(new WriteCounts(3, 3, 3, 3), after);
        Assert.Equal(["deal.created", "deal.item_added", "deal.status_changed"], await EventTypes(database, partition));
    }

    /// <summary>
    /// The loss the silo-kill drill found (SiloProcessLossTests): a change commits, its hand-off fails, and the grain
    /// is gone (deactivated, or its silo lost) before its retry timer succeeds; nothing calls it again. The reminder
    /// armed by the failed hand-off activates it and the events reach the log without any client call.
    /// </summary>
    [PostgresFact]
    public async Task Events_a_failed_hand_off_left_behind_reach_the_log_after_the_silo_dies_without_another_call()
    {
        var database = await TestPostgres.CreateDatabaseAsync("write_orphan");
        await using var cluster = new PostgresCluster(database);
        var first = await cluster.StartSiloAsync();
        var client = await cluster.StartClientAsync();
        var partition = $"{ResourceIds.New("ten")}:live";
        await Execute(database, $"""
            CREATE FUNCTION fail_log() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected log failure'; END $$;
            CREATE TRIGGER fail_log BEFORE INSERT ON event_log FOR EACH ROW WHEN (NEW.partition = '{partition}') EXECUTE FUNCTION fail_log();
            """);
        var productId = await NewProduct(client, partition);
        var productEvents = $"SELECT count(*) FROM event_log WHERE partition = '{partition}' AND event_type = 'product.created' AND data LIKE '%{productId}%'";
        Assert.Equal(0, await Scalar(database, productEvents));

        await cluster.StartSiloAsync();
        await cluster.KillSiloAsync(first);
        await Execute(database, "DROP TRIGGER fail_log ON event_log");

        // No call to the product: only its reminder can bring the event to the log.
        var logged = await Eventually.Get(() => Scalar(database, productEvents), n => n >= 1, TimeSpan.FromSeconds(150), "the product's event logged");
        Assert.Equal(1, logged);
    }

    [PostgresFact]
    public async Task A_keyed_create_retried_after_its_silo_died_is_answered_from_the_committed_change_not_run_again()
    {
        var database = await TestPostgres.CreateDatabaseAsync("write_keyed");
        await using var cluster = new PostgresCluster(database);
        var first = await cluster.StartSiloAsync();
        var client = await cluster.StartClientAsync();
        var partition = $"{ResourceIds.New("ten")}:live";
        var key = IdempotencyPolicy.GrainKey(partition, "retry-" + Guid.NewGuid().ToString("N"));
        var dealId = DealIds.Derived(partition, "seed-" + key);

        KeyedChanges.Enter(key, "fp-create");
        var created = await client.GetGrain<IDealGrain>(DealKeys.Grain(partition, dealId)).Create(Fields("Once"), Actor);

        // The response is lost with the silo; the client retries the same request on a silo that never saw it.
        await cluster.StartSiloAsync();
        await cluster.KillSiloAsync(first);
        var survivor = await cluster.StartClientAsync();
        var replayFlag = KeyedChanges.ObserveReplays();
        var retried = await survivor.GetGrain<IDealGrain>(DealKeys.Grain(partition, dealId)).Create(Fields("Once"), Actor);
        KeyedChanges.Leave();

        Assert.True(replayFlag.Replayed);
        Assert.Equal(created.Id, retried.Id);
        Assert.Equal(created.Version, retried.Version);
        Assert.Equal(created.CreatedAt, retried.CreatedAt);
        var after = await Eventually.Get(() => Counts(survivor, database, partition, dealId), c => c.Events >= 1, TimeSpan.FromSeconds(40), "event logged");
        Assert.Equal(new WriteCounts(1, 1, 1, 1), after);

        // The same key with another request is not answered from the change: it runs (and is refused as a duplicate create).
        KeyedChanges.Enter(key, "fp-other");
        await Assert.ThrowsAsync<DomainException>(() => survivor.GetGrain<IDealGrain>(DealKeys.Grain(partition, dealId)).Create(Fields("Other"), Actor));
        KeyedChanges.Leave();
        Assert.Equal(1, (await Counts(survivor, database, partition, dealId)).DealVersion);
    }

    [PostgresFact]
    public async Task A_keyed_customer_create_is_replayed_opened_while_its_state_keeps_no_pii_in_the_clear()
    {
        var database = await TestPostgres.CreateDatabaseAsync("write_customer");
        await using var cluster = new PostgresCluster(database);
        await cluster.StartSiloAsync();
        var client = await cluster.StartClientAsync();
        var partition = $"{ResourceIds.New("ten")}:live";
        var customerId = ResourceIds.New(Grains.Interfaces.Customers.CustomerKeys.IdPrefix);
        var grain = client.GetGrain<Grains.Interfaces.Customers.ICustomerGrain>(Grains.Interfaces.Customers.CustomerKeys.Grain(partition, customerId));
        var fields = new Grains.Interfaces.Customers.CustomerFields { Name = "Ada Lovelace", Email = "ada.keyed@example.com" };

        KeyedChanges.Enter(IdempotencyPolicy.GrainKey(partition, "cust-" + Guid.NewGuid().ToString("N")), "fp-customer");
        var replays = KeyedChanges.ObserveReplays();
        var created = await grain.Create(fields);
        Assert.False(replays.Replayed);
        var retried = await grain.Create(fields);
        KeyedChanges.Leave();

        Assert.True(replays.Replayed);
        Assert.Equal((created.Id, created.Name, created.Email, created.Version), (retried.Id, retried.Name, retried.Email, retried.Version));
        Assert.Equal(0, await Scalar(database,
            $"SELECT count(*) FROM grain_state WHERE position(convert_to('ada.keyed@example.com', 'UTF8') in payload) > 0"));
        Assert.Equal(1, await Scalar(database, $"SELECT count(*) FROM resource_projection WHERE partition = '{partition}' AND id = '{customerId}'"));
    }

    [PostgresFact]
    public async Task A_connection_cut_during_the_commit_fails_the_change_and_its_keyed_retry_runs_it_once()
    {
        var database = await TestPostgres.CreateDatabaseAsync("write_cut");
        await using var cluster = new PostgresCluster(database);
        await cluster.StartSiloAsync();
        var client = await cluster.StartClientAsync();
        var partition = $"{ResourceIds.New("ten")}:live";
        var dealId = DealIds.New(partition);
        var deal = client.GetGrain<IDealGrain>(DealKeys.Grain(partition, dealId));
        await deal.Create(Fields("Cut"), Actor);

        // A deferred trigger holds this deal's next commit open; the test kills that backend meanwhile.
        await Execute(database, $"""
            CREATE FUNCTION hold_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(30); RETURN NULL; END $$;
            CREATE CONSTRAINT TRIGGER hold_commit AFTER INSERT ON audit_log DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
                WHEN (NEW.entity_id = '{dealId}' AND NEW.sequence = 2) EXECUTE FUNCTION hold_commit();
            """);
        var key = IdempotencyPolicy.GrainKey(partition, "cut-" + Guid.NewGuid().ToString("N"));
        KeyedChanges.Enter(key, "fp-update");
        var update = deal.Update(new DealChanges(Title: "Cut once"), 1, Actor);
        await Eventually.Get(() => Scalar(database, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%grain_state%' AND wait_event = 'PgSleep'"),
            n => n > 0, TimeSpan.FromSeconds(20), "commit held");
        await Execute(database, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event = 'PgSleep'");
        await Assert.ThrowsAnyAsync<Exception>(() => update);
        await Execute(database, "DROP TRIGGER hold_commit ON audit_log");

        var retried = await deal.Update(new DealChanges(Title: "Cut once"), 1, Actor);
        var again = await deal.Update(new DealChanges(Title: "Cut once"), 1, Actor);
        KeyedChanges.Leave();

        Assert.Equal(2, retried.Version);
        Assert.Equal((retried.Version, retried.UpdatedAt, retried.Title), (again.Version, again.UpdatedAt, again.Title));
        var after = await Eventually.Get(() => Counts(client, database, partition, dealId), c => c.Events >= 2, TimeSpan.FromSeconds(20), "events logged");
        Assert.Equal(new WriteCounts(2, 2, 2, 2), after);
    }

    private static async Task<string> NewProduct(IClusterClient client, string partition)
    {
        var productId = ResourceIds.New(ProductKeys.IdPrefix);
        await client.GetGrain<IProductGrain>(ProductKeys.Grain(partition, productId)).Create(new ProductFields { Name = "Plan", Price = 99m });
        return productId;
    }

    /// <summary>
    /// What holds one deal: its grain's version (the state row's own version also counts outbox trims), the projection
    /// row's version, audit rows and logged events.
    /// </summary>
    private sealed record WriteCounts(long DealVersion, long ProjectionVersion, long AuditRows, long Events = 0);

    private static async Task<WriteCounts> Counts(IClusterClient client, string database, string partition, string dealId)
    {
        var grainKey = DealKeys.Grain(partition, dealId);
        return new WriteCounts(
            (await client.GetGrain<IDealGrain>(grainKey).Get()).Version,
            await Scalar(database, $"SELECT coalesce(max(version), 0) FROM resource_projection WHERE partition = '{partition}' AND id = '{dealId}'"),
            await Scalar(database, $"SELECT count(*) FROM audit_log WHERE partition = '{partition}' AND entity_id = '{dealId}'"),
            await Scalar(database, $"SELECT count(*) FROM event_log WHERE partition = '{partition}' AND event_type LIKE 'deal.%'"));
    }

    private static async Task<IReadOnlyList<string>> EventTypes(string database, string partition)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT event_type FROM event_log WHERE partition = '{partition}' AND event_type LIKE 'deal.%' ORDER BY sequence", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var types = new List<string>();
        while (await reader.ReadAsync())
        {
            types.Add(reader.GetString(0));
        }
        return types;
    }

    private static async Task<long> Scalar(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task Execute(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
