using Grains.Interfaces.AgentTrust;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Delegations;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Products;
using Grains.Interfaces.Tenants;
using Grains.Delegations.Ledger;
using Grains.Platform.Postgres;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orleans;
using Tests.Infrastructure;

namespace Tests.Delegations;

/// <summary>
/// The reservation ledger on PostgreSQL (Grains/Delegations/DelegationGrain.Ledger.cs): links hold in memory and the
/// deal writes its ledger rows (one stored row per change) in its own transaction. Concurrent creations under a 3-link chain never pass a
/// cap (and no link writes its state per reservation), links activated again on another silo rebuild every counter
/// from the ledger, a deal whose commit fails leaves nothing counted, and the rows of the earlier row-per-link table
/// move to one row per change.
/// </summary>
public sealed class DelegationLedgerTests
{
    private const decimal Price = 100m;

    [PostgresFact]
    public async Task Concurrent_creations_under_a_three_link_chain_hold_exactly_what_the_root_admits_and_write_no_link_state()
    {
        await using var cluster = new PostgresCluster(await TestPostgres.CreateDatabaseAsync("ledger_chain"));
        await cluster.StartSiloAsync();
        await cluster.StartSiloAsync();
        var client = await cluster.StartClientAsync();
        var chain = await ChainAsync(client, rootDaily: 37 * Price + 99.99m);
        var versions = await StateVersionsAsync(cluster.ConnectionString, chain.Links);

        var deals = Enumerable.Range(0, 120).Select(_ => chain.Deal(client, DealIds.New(chain.Partition))).ToList();
        foreach (var batch in deals.Chunk(20))
        {
            await Task.WhenAll(batch.Select(DelegationClusterTests.ActivateAsync));
        }
        var attempts = await Task.WhenAll(deals.Select(async deal =>
        {
            try
            {
                await deal.CreateConfigured(Seat(chain), dryRun: false, chain.Actor);
                return "created";
            }
            catch (DomainException ex)
            {
                return ex.Code;
            }
        }));

        Assert.Equal(37, attempts.Count(a => a == "created"));
        Assert.Equal(83, attempts.Count(a => a == "spending_limit_exceeded"));
        foreach (var link in chain.Links)
        {
            Assert.Equal(37 * Price, (await chain.Link(client, link).Get()).Counters.ReservedToday);
        }
        // One reserve row per link for each created deal, none for a refused one; the links wrote no state of their own.
        var rows = await LedgerRowsAsync(cluster.ConnectionString, chain.Partition);
        Assert.Equal(37 * 3, rows.Count);
        Assert.All(rows, r => Assert.Equal("reserve", r.Kind));
        Assert.Equal(37, rows.Count(r => r.Direct));
        Assert.All(rows.Where(r => r.Direct), r => Assert.Equal(chain.Links[0], r.DelegationId));
        // Stored as one row per change, under the chain's root, whatever the depth of the chain.
        Assert.Equal(37L, await ScalarAsync<long>(cluster.ConnectionString,
            $"SELECT count(*) FROM delegation_changes WHERE partition = $1 AND root_id = '{chain.Links[^1]}' AND cardinality(links) = 3", chain.Partition));
        Assert.Equal(versions, await StateVersionsAsync(cluster.ConnectionString, chain.Links));
    }

    [PostgresFact]
    public async Task Links_activated_again_on_another_silo_rebuild_every_counter_activity_and_total_from_the_ledger()
    {
        var database = await TestPostgres.CreateDatabaseAsync("ledger_rebuild");
        await using var cluster = new PostgresCluster(database);
        var first = await cluster.StartSiloAsync();
        var client = await cluster.StartClientAsync();
        var chain = await ChainAsync(client, rootDaily: 5000m);
        var ids = Enumerable.Range(0, 4).Select(_ => DealIds.New(chain.Partition)).ToList();
        foreach (var id in ids)
        {
            await chain.Deal(client, id).CreateConfigured(Seat(chain), dryRun: false, chain.Actor);
        }
        // A raise (reserve of the new total), a cancel (release).
        await chain.Deal(client, ids[1]).AddItem(new DealItemInput(chain.ProductId, "Seat", Price, 2), null, chain.Actor);
        await chain.Deal(client, ids[2]).Transition(DealStatuses.Cancelled, null, chain.Actor);
        var before = await Task.WhenAll(chain.Links.Select(link => chain.Link(client, link).Get()));
        Assert.All(before, b => Assert.Equal(Price + 3 * Price + Price, b.Counters.ReservedToday));
        // The last deal closes meanwhile: its settle rows as the close writes them (one per link), unknown to the live links.
        await InsertSettleRowsAsync(database, chain, ids[3]);

        // Every grain lived on the first silo: stopped, they activate again on the second, from what PostgreSQL holds.
        await cluster.StartSiloAsync();
        await cluster.StopSiloAsync(first);
        var after = await Task.WhenAll(chain.Links.Select(link =>
            Eventually.Get(() => chain.Link(client, link).Get(), _ => true, TimeSpan.FromSeconds(30), "the link on the second silo")));
        for (var i = 0; i < chain.Links.Length; i++)
        {
            var settled = before[i].Counters with
            {
                ReservedToday = before[i].Counters.ReservedToday - Price,
                ReservedThisMonth = before[i].Counters.ReservedThisMonth - Price,
                SpentToday = before[i].Counters.SpentToday + Price,
                SpentThisMonth = before[i].Counters.SpentThisMonth + Price,
            };
            Assert.Equal(settled, after[i].Counters);
        }
        var named = chain.Link(client, chain.Links[0]);
        var activity = await named.Activity(new DelegationActivityQuery(null, null, null, null, 50, 0));
        Assert.Equal(["deal_closed", "deal_cancelled", "deal_updated", "deal_created", "deal_created", "deal_created", "deal_created"],
            activity.Events.Select(e => e.ActionType));
        var analytics = await named.Analytics();
        Assert.Equal(4, analytics.TotalDealsCreated);
        Assert.Equal(Price, analytics.TotalSpent);
        // The rebuilt counters are the ones caps are checked against: the root admits 5000 - 500 more today.
        Assert.Equal(5000m - 5 * Price, await named.RemainingBudget(DealIds.New(chain.Partition), "deals:write"));
        Assert.Equal(ids[3], activity.Events[0].EntityId);
    }

    [PostgresFact]
    public async Task A_deal_whose_commit_fails_leaves_no_counted_spending_on_any_link_and_the_cap_it_held_is_free_again()
    {
        var database = await TestPostgres.CreateDatabaseAsync("ledger_failed_commit");
        await using var cluster = new PostgresCluster(database);
        await cluster.StartSiloAsync();
        var client = await cluster.StartClientAsync();
        // The root admits exactly one deal a day.
        var chain = await ChainAsync(client, rootDaily: Price);
        var failing = DealIds.New(chain.Partition);
        await ExecuteAsync(database, $"""
            CREATE FUNCTION fail_ledger() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected ledger failure'; END $$;
            CREATE TRIGGER fail_ledger BEFORE INSERT ON delegation_changes FOR EACH ROW WHEN (NEW.deal_id = '{failing}') EXECUTE FUNCTION fail_ledger();
            """);

        await Assert.ThrowsAnyAsync<Exception>(() => chain.Deal(client, failing).CreateConfigured(Seat(chain), dryRun: false, chain.Actor));

        foreach (var link in chain.Links)
        {
            var view = await chain.Link(client, link).Get();
            Assert.Equal(0m, view.Counters.ReservedToday + view.Counters.SpentToday);
        }
        Assert.Empty(await LedgerRowsAsync(database, chain.Partition));
        await Assert.ThrowsAsync<DomainException>(() => chain.Deal(client, failing).Get());
        // The one deal the root admits is still there to create.
        var next = DealIds.New(chain.Partition);
        await chain.Deal(client, next).CreateConfigured(Seat(chain), dryRun: false, chain.Actor);
        var refused = await Assert.ThrowsAsync<DomainException>(() =>
            chain.Deal(client, DealIds.New(chain.Partition)).CreateConfigured(Seat(chain), dryRun: false, chain.Actor));
        Assert.Equal("spending_limit_exceeded", refused.Code);
        Assert.Equal([next], (await LedgerRowsAsync(database, chain.Partition)).Select(r => r.DealId).Distinct());
    }

    [PostgresFact]
    public async Task Migration_0012_moves_each_change_of_the_row_per_link_table_to_one_row_with_its_chain_and_root()
    {
        var database = await TestPostgres.CreateDatabaseAsync("ledger_migration");
        await new SchemaMigrator(database, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
        var migrations = SchemaMigrator.LoadMigrations();
        // The table as 0011 left it, with a change named by a grandchild (three rows) and one named by the root (one row).
        await ExecuteAsync(database, migrations.Single(m => m.Version == 11).Sql);
        await ExecuteAsync(database, """
            INSERT INTO resource_projection (partition, resource_type, id, version, status, created_at, updated_at, document)
            VALUES ('p', 'delegation', 'del_root', 1, 'active', now(), now(), '{"id":"del_root","chain":[]}'),
                   ('p', 'delegation', 'del_child', 1, 'active', now(), now(), '{"id":"del_child","chain":["del_root"]}'),
                   ('p', 'delegation', 'del_grand', 1, 'active', now(), now(), '{"id":"del_grand","chain":["del_root","del_child"]}');
            INSERT INTO delegation_ledger (partition, delegation_id, deal_id, deal_version, id, kind, amount, currency, direct, activity, occurred_at)
            VALUES ('p', 'del_grand', 'deal_1', 1, 'evt_1', 'reserve', 100, 'USD', true, 'deal_created', now()),
                   ('p', 'del_child', 'deal_1', 1, 'evt_1', 'reserve', 100, 'USD', false, 'deal_created', now()),
                   ('p', 'del_root', 'deal_1', 1, 'evt_1', 'reserve', 100, 'USD', false, 'deal_created', now()),
                   ('p', 'del_root', 'deal_2', 1, 'evt_2', 'reserve', 40, 'USD', true, 'deal_created', now());
            """);

        await ExecuteAsync(database, migrations.Single(m => m.Version == 12).Sql);

        Assert.Equal("del_grand del_child del_root|del_root", await ScalarAsync<string>(database,
            "SELECT array_to_string(links, ' ') || '|' || root_id FROM delegation_changes WHERE partition = $1 AND deal_id = 'deal_1'", "p"));
        Assert.Equal("del_root|del_root", await ScalarAsync<string>(database,
            "SELECT array_to_string(links, ' ') || '|' || root_id FROM delegation_changes WHERE partition = $1 AND deal_id = 'deal_2'", "p"));
        Assert.Null(await ScalarAsync<string?>(database, "SELECT to_regclass($1)::text", "delegation_ledger"));
        // Each link reads the moved changes as before: the child sees deal_1 as an ancestor, the root sees both.
        var ledger = new PostgresDelegationLedger(NpgsqlDataSource.Create(database));
        var child = await ledger.ReadAsync("p", "del_child", "del_root", DateTimeOffset.UnixEpoch, 10);
        Assert.Equal([("deal_1", false)], child.Window.Select(r => (r.DealId, r.Direct)));
        var root = await ledger.ReadAsync("p", "del_root", "del_root", DateTimeOffset.UnixEpoch, 10);
        Assert.Equal([("deal_1", false), ("deal_2", true)], root.Window.Select(r => (r.DealId, r.Direct)));
        Assert.Equal((1, 0m), (root.DealsCreated, root.TotalSpent));
        Assert.Equal(["deal_1"], (await ledger.ReadDealAsync("p", "del_grand", "deal_1")).Select(r => r.DealId));
    }

    /// <summary>admin → root → child → grandchild (each daily <paramref name="rootDaily"/>), each child granted by the agent above it; deals under the grandchild.</summary>
    private static async Task<Chain> ChainAsync(IClusterClient client, decimal rootDaily)
    {
        var tenantId = ResourceIds.New("ten");
        var partition = $"{tenantId}:live";
        var tenant = client.GetGrain<ITenantGrain>(tenantId);
        await tenant.EnsureCreated("Ledger tenant");
        async Task<string> Key(string name, bool agent) => (await tenant.IssueApiKey(
            new ApiKeyRequest(name, ApiKeyKinds.Secret, "live", "live", agent ? ["deals:write"] : ["*"], "us", AgentKey: agent))).Record.KeyId;
        var admin = await Key("admin", agent: false);
        string[] agents = [await Key("a", agent: true), await Key("b", agent: true), await Key("c", agent: true)];
        foreach (var agent in agents)
        {
            // Delegating needs trust level 2; level 3 has no transaction cap of its own.
            await client.GetGrain<IAgentTrustGrain>(TrustLevels.Grain(partition, agent)).SetManualLevel(3, "delegates", admin);
        }
        var productId = ResourceIds.New(ProductKeys.IdPrefix);
        await client.GetGrain<IProductGrain>(ProductKeys.Grain(partition, productId)).Create(new ProductFields { Name = "Seat", Price = Price });
        var links = new List<string>();
        string? parent = null;
        for (var i = 0; i < 3; i++)
        {
            var id = ResourceIds.New(DelegationKeys.IdPrefix);
            await client.GetGrain<IDelegationGrain>(DelegationKeys.Grain(partition, id)).Create(new DelegationGrant
            {
                GrantorKeyId = i == 0 ? admin : agents[i - 1],
                GranteeKeyId = agents[i],
                GranteeEnvironment = "live",
                AllowedActions = ["deals:write"],
                Limits = new DelegationLimits(null, rootDaily, null),
                ParentId = parent,
            });
            links.Insert(0, id);
            parent = id;
        }
        return new Chain(partition, productId, [.. links], new DealActor(agents[2], "api_key", true, links[0]));
    }

    private static DealConfiguration Seat(Chain chain) => new(new DealFields("Seat", null, null, "USD", 0m, DealKeys.OneTime, null, null, null, null),
        [new DealItemInput(chain.ProductId, "Seat", Price, 1)], [], null);

    private static async Task<long[]> StateVersionsAsync(string database, IEnumerable<string> delegationIds)
    {
        List<long> versions = [];
        foreach (var id in delegationIds)
        {
            versions.Add(await ScalarAsync<long>(database, "SELECT version FROM grain_state WHERE state_name = 'delegation' AND grain_key LIKE '%' || $1", id));
        }
        return [.. versions];
    }

    private static async Task<List<(string DelegationId, string DealId, string Kind, bool Direct)>> LedgerRowsAsync(string database, string partition)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        // A stored change as the row each link it touched sees.
        await using var command = new NpgsqlCommand(
            "SELECT l.link, c.deal_id, c.kind, l.link = c.delegation_id FROM delegation_changes c, unnest(c.links) AS l(link) WHERE c.partition = $1",
            connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = partition });
        await using var reader = await command.ExecuteReaderAsync();
        List<(string, string, string, bool)> rows = [];
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetBoolean(3)));
        }
        return rows;
    }

    /// <summary>The settle change a close of <paramref name="dealId"/> writes (every link of its chain), after its reserve change.</summary>
    private static Task InsertSettleRowsAsync(string database, Chain chain, string dealId) => ExecuteAsync(database, $"""
        INSERT INTO delegation_changes (partition, deal_id, deal_version, id, delegation_id, links, root_id, kind, amount, currency, activity, occurred_at)
        SELECT partition, deal_id, deal_version + 100, 'evt_settled', delegation_id, links, root_id, 'settle', amount, currency, 'deal_closed', now()
        FROM delegation_changes WHERE partition = '{chain.Partition}' AND deal_id = '{dealId}'
        """);

    private static async Task<T> ScalarAsync<T>(string database, string sql, string parameter)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = parameter });
        var value = await command.ExecuteScalarAsync();
        return value is DBNull or null ? default! : (T)value;
    }

    private static async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <param name="Links">The grandchild (named by the deals) first, then child and root.</param>
    private sealed record Chain(string Partition, string ProductId, string[] Links, DealActor Actor)
    {
        public IDealGrain Deal(IClusterClient client, string id) => client.GetGrain<IDealGrain>(DealKeys.Grain(Partition, id));

        public IDelegationGrain Link(IClusterClient client, string id) => client.GetGrain<IDelegationGrain>(DelegationKeys.Grain(Partition, id));
    }
}
