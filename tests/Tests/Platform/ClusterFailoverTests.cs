using System.Net;
using System.Text.Json;
using Grains.Interfaces.Tenants;
using Grains.Platform.Hosting;
using Grains.Tenants;
using Npgsql;
using Tests.Infrastructure;

namespace Tests.Platform;

/// <summary>Cluster topology on a real PostgreSQL: membership, grain state and reminders survive losing a silo.</summary>
public sealed class ClusterFailoverTests
{
    private static readonly TimeSpan ClusterTimeout = TimeSpan.FromSeconds(60);

    [PostgresFact]
    public Task State_written_by_a_grain_is_read_after_it_reactivates_on_another_silo() =>
        StateSurvivesLosingItsSiloAsync(GrainStorageProvider.Npgsql);

    /// <summary>The stock ADO.NET provider stays supported (<c>Orleans:GrainStorage=AdoNet</c>): the same failover on it.</summary>
    [PostgresFact]
    public Task With_the_AdoNet_grain_storage_state_is_read_after_the_grain_reactivates_on_another_silo() =>
        StateSurvivesLosingItsSiloAsync(GrainStorageProvider.AdoNet);

    private static async Task StateSurvivesLosingItsSiloAsync(GrainStorageProvider provider)
    {
        var database = await TestPostgres.CreateDatabaseAsync($"failover_{provider}");
        await using var cluster = new PostgresCluster(database, provider);
        var first = await cluster.StartSiloAsync();
        var client = await cluster.StartClientAsync();

        // Written while only the first silo exists, so the grain lives there.
        var grain = client.GetGrain<IPersistedProbeGrain>("order-42");
        await grain.Set("written before the crash");
        Assert.Equal(PostgresCluster.AddressOf(first), (await grain.Get()).SiloAddress);

        var second = await cluster.StartSiloAsync();
        await cluster.KillSiloAsync(first);

        var after = await Eventually.Get(grain.Get, r => r.SiloAddress == PostgresCluster.AddressOf(second), ClusterTimeout,
            "the grain to reactivate on the surviving silo");
        Assert.Equal("written before the crash", after.Value);

        // The state went through the configured provider's table, and only that one.
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var rows = new NpgsqlCommand(
            "SELECT (SELECT count(*) FROM grain_state WHERE grain_key = 'order-42' AND state_name = 'probe'), " +
            "(SELECT count(*) FROM orleans_storage WHERE grain_id_ext = 'order-42' AND grain_type = 'probe')", connection);
        await using var reader = await rows.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var expected = provider == GrainStorageProvider.Npgsql ? (1L, 0L) : (0L, 1L);
        Assert.Equal(expected, (reader.GetInt64(0), reader.GetInt64(1)));
    }

    [PostgresFact]
    public async Task A_reminder_keeps_firing_after_its_owning_silo_is_stopped()
    {
        await using var cluster = new PostgresCluster(await TestPostgres.CreateDatabaseAsync("reminders"));
        var first = await cluster.StartSiloAsync();
        var client = await cluster.StartClientAsync();

        var grain = client.GetGrain<IReminderProbeGrain>("escrow-7");
        await grain.Start(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        await Eventually.Get(grain.Ticks, t => t.Count > 0, ClusterTimeout, "the first reminder tick");

        var owner = PostgresCluster.AddressOf(first);
        var second = await cluster.StartSiloAsync();
        await cluster.KillSiloAsync(first);

        var survivor = PostgresCluster.AddressOf(second);
        var ticks = await Eventually.Get(grain.Ticks, t => t.Contains(survivor), ClusterTimeout,
            "a reminder tick on the surviving silo");
        Assert.Contains(owner, ticks);
    }

    [PostgresFact]
    public async Task Two_silos_and_an_ApiHost_client_form_one_cluster_from_postgres_membership()
    {
        var database = await TestPostgres.CreateDatabaseAsync("membership");
        await using var cluster = new PostgresCluster(database);
        await cluster.StartSiloAsync();
        await cluster.StartSiloAsync();

        const string adminKey = "sb_live_us_ClusterTestAdminKey0001";
        await using var api = cluster.ClientApi(adminKey);
        var http = api.CreateClient();

        var health = await Eventually.Get(
            async () => JsonDocument.Parse(await http.GetStringAsync("/health")).RootElement.Clone(),
            h => h.GetProperty("checks").GetProperty("cluster").GetProperty("active_silos").GetInt32() == 2,
            ClusterTimeout, "ApiHost to see both silos");
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.Equal("postgres", health.GetProperty("checks").GetProperty("storage").GetProperty("provider").GetString());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/ready")).StatusCode);

        // The bootstrap key was registered through the client into the silos' persisted state.
        var key = await cluster.StartClientAsync();
        var record = await key.GetGrain<IApiKeyGrain>(ApiKeySecrets.Hash(adminKey)).Get();
        Assert.NotNull(record);
        Assert.Equal(["*"], record.Scopes);
    }
}
