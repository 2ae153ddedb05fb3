using Grains.Platform.Postgres.Storage;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Providers;
using Orleans.Storage;
using Tests.Infrastructure;

namespace Tests.Platform;

/// <summary>
/// Our grain storage (<see cref="PostgresGrainStorage"/>, the cluster default) on a real silo: round trips,
/// optimistic concurrency, clear, and rows keyed by grain type. Failover is in <see cref="ClusterFailoverTests"/>.
/// </summary>
public sealed class PostgresGrainStorageTests(PostgresGrainStorageTests.SiloFixture fixture)
    : IClassFixture<PostgresGrainStorageTests.SiloFixture>
{
    private const string StateName = "direct";

    [PostgresFact]
    public async Task Write_then_read_round_trips_state_and_etag_for_every_kind_of_grain_key()
    {
        var storage = await fixture.StorageAsync();
        var kind = $"rt{Guid.NewGuid():N}"[..12];
        GrainId[] ids =
        [
            GrainId.Create(kind, "string-key"),
            GrainId.Create(GrainType.Create(kind), GrainIdKeyExtensions.CreateIntegerKey(42)),
            GrainId.Create(GrainType.Create(kind), GrainIdKeyExtensions.CreateIntegerKey(42, "ext")),
            GrainId.Create(GrainType.Create(kind), GrainIdKeyExtensions.CreateGuidKey(Guid.NewGuid())),
            GrainId.Create(GrainType.Create(kind), GrainIdKeyExtensions.CreateGuidKey(Guid.NewGuid(), "ext")),
        ];

        foreach (var id in ids)
        {
            var fresh = new GrainState<SchemaSmokeState>();
            await storage.ReadStateAsync(StateName, id, fresh);
            Assert.Equal((null, false), (fresh.ETag, fresh.RecordExists));
            Assert.NotNull(fresh.State);
            Assert.Null(fresh.State!.Value);

            fresh.State!.Value = $"one {id}";
            await storage.WriteStateAsync(StateName, id, fresh);
            Assert.Equal(("1", true), (fresh.ETag, fresh.RecordExists));

            var reread = new GrainState<SchemaSmokeState>();
            await storage.ReadStateAsync(StateName, id, reread);
            Assert.Equal(("1", true, $"one {id}"), (reread.ETag, reread.RecordExists, reread.State!.Value));

            reread.State!.Value = "two";
            await storage.WriteStateAsync(StateName, id, reread);
            Assert.Equal("2", reread.ETag);
            await storage.ReadStateAsync(StateName, id, fresh);
            Assert.Equal(("2", "two"), (fresh.ETag, fresh.State!.Value));
        }

        // Each id is its own row (the int key with and without extension, too).
        Assert.Equal(ids.Length, await fixture.ScalarAsync<long>(
            "SELECT count(*) FROM grain_state WHERE grain_type = $1 AND version = 2 AND payload IS NOT NULL", kind));
    }

    [PostgresFact]
    public async Task A_write_or_clear_with_a_stale_etag_throws_InconsistentStateException_and_changes_nothing()
    {
        var storage = await fixture.StorageAsync();
        var id = GrainId.Create("conflict", Guid.NewGuid().ToString("N"));
        var a = new GrainState<SchemaSmokeState>();
        var b = new GrainState<SchemaSmokeState>();
        await storage.ReadStateAsync(StateName, id, a);
        await storage.ReadStateAsync(StateName, id, b);

        a.State!.Value = "a1";
        await storage.WriteStateAsync(StateName, id, a);

        // b never saw the row: its "first write" must not overwrite a's.
        b.State!.Value = "b1";
        var first = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, id, b));
        Assert.Equal("1", first.StoredEtag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync(StateName, id, b));

        await storage.ReadStateAsync(StateName, id, b);
        a.State!.Value = "a2";
        await storage.WriteStateAsync(StateName, id, a);

        // b's etag 1 is stale now.
        b.State!.Value = "b2";
        var stale = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, id, b));
        Assert.Equal(("2", "1"), (stale.StoredEtag, stale.CurrentEtag));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync(StateName, id, b));
        Assert.Equal("1", b.ETag);

        // An etag this provider never issued matches nothing either.
        var foreign = new GrainState<SchemaSmokeState>(new SchemaSmokeState { Value = "foreign" }) { ETag = "W/\"abc\"" };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, id, foreign));

        var check = new GrainState<SchemaSmokeState>();
        await storage.ReadStateAsync(StateName, id, check);
        Assert.Equal(("2", true, "a2"), (check.ETag, check.RecordExists, check.State!.Value));
    }

    [PostgresFact]
    public async Task Clear_leaves_a_tombstone_that_reads_as_no_record_and_the_next_write_continues_the_version()
    {
        var storage = await fixture.StorageAsync();
        var id = GrainId.Create("clear", Guid.NewGuid().ToString("N"));
        var state = new GrainState<SchemaSmokeState>(new SchemaSmokeState { Value = "kept" });
        await storage.WriteStateAsync(StateName, id, state);
        var stale = new GrainState<SchemaSmokeState>();
        await storage.ReadStateAsync(StateName, id, stale);

        await storage.ClearStateAsync(StateName, id, state);
        Assert.Equal(("2", false, null), (state.ETag, state.RecordExists, state.State!.Value));

        var reread = new GrainState<SchemaSmokeState>(new SchemaSmokeState { Value = "leftover" });
        await storage.ReadStateAsync(StateName, id, reread);
        Assert.Equal(("2", false, null), (reread.ETag, reread.RecordExists, reread.State!.Value));
        Assert.Equal(1L, await fixture.ScalarAsync<long>(
            "SELECT count(*) FROM grain_state WHERE grain_key = $1 AND payload IS NULL AND version = 2", id.Key.ToString()!));

        // The activation that read before the clear cannot bring the state back.
        stale.State!.Value = "resurrected";
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, id, stale));

        reread.State!.Value = "after clear";
        await storage.WriteStateAsync(StateName, id, reread);
        Assert.Equal(("3", true), (reread.ETag, reread.RecordExists));
        await storage.ReadStateAsync(StateName, id, stale);
        Assert.Equal(("3", "after clear"), (stale.ETag, stale.State!.Value));

        // Clearing a grain that was never written leaves a tombstone too, so a writer without an etag loses.
        var never = GrainId.Create("clear", Guid.NewGuid().ToString("N"));
        var cleared = new GrainState<SchemaSmokeState>();
        await storage.ClearStateAsync(StateName, never, cleared);
        Assert.Equal(("1", false), (cleared.ETag, cleared.RecordExists));
        await Assert.ThrowsAsync<InconsistentStateException>(() =>
            storage.WriteStateAsync(StateName, never, new GrainState<SchemaSmokeState>(new SchemaSmokeState { Value = "late" })));
        cleared.State!.Value = "first";
        await storage.WriteStateAsync(StateName, never, cleared);
        Assert.Equal("2", cleared.ETag);
    }

    [PostgresFact]
    public async Task Two_grain_classes_with_the_same_state_name_and_key_keep_separate_rows()
    {
        var client = await fixture.ClientAsync();
        var key = $"shared-{Guid.NewGuid():N}";
        var first = client.GetGrain<ISameStateNameFirstGrain>(key);
        var second = client.GetGrain<ISameStateNameSecondGrain>(key);

        await first.Set("first");
        await second.Set("second");
        await first.Deactivate();
        await second.Deactivate();

        // Re-read from storage after deactivation: each class got its own value back.
        Assert.Equal("first", await Eventually.Get(first.Get, v => v is not null, TimeSpan.FromSeconds(10), "first grain's state"));
        Assert.Equal("second", await second.Get());

        Assert.Equal(2L, await fixture.ScalarAsync<long>(
            $"SELECT count(DISTINCT grain_type) FROM grain_state WHERE grain_key = $1 AND state_name = '{SameStateName.Name}' AND payload IS NOT NULL",
            key));
    }

    [PostgresFact]
    public async Task Concurrent_writes_are_group_committed_and_each_keeps_its_own_version_check()
    {
        var storage = await fixture.StorageAsync();
        var kind = $"gc{Guid.NewGuid():N}"[..12];
        var ids = Enumerable.Range(0, 300).Select(i => GrainId.Create(kind, $"k{i}")).ToArray();

        // Every third grain has a rival activation that also saw no row: both first writes race, in the same
        // batches as everyone else's, and exactly one of each pair may win.
        var attempts = ids.SelectMany((id, i) => Enumerable.Range(0, i % 3 == 0 ? 2 : 1).Select(copy => (Id: id, Copy: copy)))
            .Select(async attempt =>
            {
                var state = new GrainState<SchemaSmokeState> { State = new SchemaSmokeState { Value = $"{attempt.Id}#{attempt.Copy}" } };
                try
                {
                    await storage.WriteStateAsync(StateName, attempt.Id, state);
                    return (attempt.Id, Won: true, state.ETag, state.State.Value);
                }
                catch (InconsistentStateException)
                {
                    return (attempt.Id, Won: false, state.ETag, state.State.Value);
                }
            })
            .ToArray();
        var outcomes = await Task.WhenAll(attempts);

        foreach (var group in outcomes.GroupBy(o => o.Id))
        {
            var winner = Assert.Single(group, o => o.Won);
            Assert.Equal("1", winner.ETag);
            var stored = new GrainState<SchemaSmokeState>();
            await storage.ReadStateAsync(StateName, group.Key, stored);
            Assert.Equal(("1", winner.Value), (stored.ETag, stored.State!.Value));
        }

        // A second round on the winners' etags: all succeed together, each moving to version 2. (Reads one at a time:
        // reads are single statements, and 300 at once would only measure the connection limit.)
        var states = new List<(GrainId Id, GrainState<SchemaSmokeState> State)>();
        foreach (var id in ids)
        {
            var state = new GrainState<SchemaSmokeState>();
            await storage.ReadStateAsync(StateName, id, state);
            state.State!.Value = "second";
            states.Add((id, state));
        }
        var second = states.Select(async s =>
        {
            await storage.WriteStateAsync(StateName, s.Id, s.State);
            return s.State.ETag;
        });
        Assert.All(await Task.WhenAll(second), etag => Assert.Equal("2", etag));
        Assert.Equal(ids.Length, await fixture.ScalarAsync<long>(
            "SELECT count(*) FROM grain_state WHERE grain_type = $1 AND version = 2", kind));
    }

    [PostgresFact]
    public async Task The_cluster_default_and_PubSubStore_are_the_Npgsql_provider()
    {
        var silo = await fixture.SiloAsync();
        Assert.IsType<PostgresGrainStorage>(silo.Services.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME));
        Assert.IsType<PostgresGrainStorage>(silo.Services.GetRequiredKeyedService<IGrainStorage>(Grains.Platform.Hosting.OrleansHosting.PubSubStore));
    }

    /// <summary>One silo and client for the class, started on first use (never when the tests are skipped).</summary>
    public sealed class SiloFixture : IAsyncDisposable
    {
        private readonly Lazy<Task<(PostgresCluster Cluster, SiloServices Silo, IClusterClient Client)>> started = new(StartAsync);

        public async Task<IGrainStorage> StorageAsync() =>
            (await SiloAsync()).Services.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);

        public async Task<SiloServices> SiloAsync() => (await started.Value).Silo;

        public async Task<IClusterClient> ClientAsync() => (await started.Value).Client;

        public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
        {
            var (cluster, _, _) = await started.Value;
            await using var connection = new NpgsqlConnection(cluster.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            foreach (var parameter in parameters)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = parameter });
            }
            return (T)(await command.ExecuteScalarAsync())!;
        }

        private static async Task<(PostgresCluster, SiloServices, IClusterClient)> StartAsync()
        {
            var cluster = new PostgresCluster(await TestPostgres.CreateDatabaseAsync("grainstate"));
            var silo = await cluster.StartSiloAsync();
            var client = await cluster.StartClientAsync();
            return (cluster, new SiloServices(silo.Services), client);
        }

        public async ValueTask DisposeAsync()
        {
            if (started.IsValueCreated)
            {
                await (await started.Value).Cluster.DisposeAsync();
            }
        }
    }

    /// <summary>The silo's services: the fixture owns the host.</summary>
    public sealed record SiloServices(IServiceProvider Services);
}
