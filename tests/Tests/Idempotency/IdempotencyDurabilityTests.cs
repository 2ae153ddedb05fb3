using System.Net;
using Grains.Interfaces.Idempotency;
using Tests.Infrastructure;

namespace Tests.Idempotency;

/// <summary>Cluster topology on PostgreSQL: an idempotency record outlives the silo that wrote it.</summary>
public sealed class IdempotencyDurabilityTests
{
    private static readonly TimeSpan ClusterTimeout = TimeSpan.FromSeconds(60);

    [PostgresFact]
    public async Task Stored_responses_and_in_flight_bindings_survive_losing_the_silo_that_held_them()
    {
        await using var cluster = new PostgresCluster(await TestPostgres.CreateDatabaseAsync("idempotency"));
        var first = await cluster.StartSiloAsync();
        var client = await cluster.StartClientAsync();

        var response = new IdempotentResponse(201, "application/json; charset=utf-8", "{\"id\":\"cust_1\"}"u8.ToArray(), "W/\"1\"", "/v1/customers/cust_1");
        var completed = client.GetGrain<IIdempotencyGrain>(IdempotencyPolicy.GrainKey("ten_a:live", "order-42"));
        var claim = await completed.Begin("fp-order-42");
        Assert.True(await completed.Complete(claim.Lease, response));
        var pending = client.GetGrain<IIdempotencyGrain>(IdempotencyPolicy.GrainKey("ten_a:live", "order-43"));
        var pendingClaim = await pending.Begin("fp-order-43");
        Assert.Equal(IdempotencyOutcome.Proceed, pendingClaim.Outcome);

        // Both grains live on the first silo; after it is gone only storage can answer.
        await cluster.StartSiloAsync();
        await cluster.KillSiloAsync(first);

        var replay = await Eventually.Get(() => completed.Begin("fp-order-42"), c => c.Outcome == IdempotencyOutcome.Replay,
            ClusterTimeout, "the stored response from a reactivated grain");
        Assert.Equal(response.Body, replay.Response!.Body);
        Assert.Equal(response.Location, replay.Response.Location);
        Assert.Equal(IdempotencyOutcome.Mismatch, (await completed.Begin("fp-other")).Outcome);
        // The in-flight request died with its silo: nobody renews its lease, so a retry takes over once it lapses (3 s),
        // still bound to the first request's fingerprint and with the same seed (so a keyed create reaches the same grain).
        Assert.Equal(IdempotencyOutcome.Mismatch, (await pending.Begin("fp-other")).Outcome);
        var retry = await Eventually.Get(() => pending.Begin("fp-order-43"), c => c.Outcome == IdempotencyOutcome.Proceed,
            ClusterTimeout, "the lapsed lease taken over");
        Assert.Equal(pendingClaim.Seed, retry.Seed);
        Assert.NotEqual(pendingClaim.Lease, retry.Lease);
    }

    [PostgresFact]
    public async Task A_replay_through_a_cluster_ApiHost_is_answered_after_the_silos_are_replaced()
    {
        var database = await TestPostgres.CreateDatabaseAsync("idempotency_http");
        await using var cluster = new PostgresCluster(database);
        var first = await cluster.StartSiloAsync();
        var settings = cluster.ClientSettings;
        await using var api = new IdempotencyTestApi(new Dictionary<string, string?>
        {
            ["Orleans:Mode"] = "Client",
            ["Orleans:ClusterId"] = settings.ClusterId,
            ["Orleans:ServiceId"] = settings.ServiceId,
            ["ConnectionStrings:Postgres"] = database,
        });
        var http = api.CreateClient().WithKey(IdempotencyTestApi.AdminKey);
        const string body = """{"tag":"durable"}""";

        // Eventually: the bootstrap key is registered once the ApiHost's client has connected.
        var created = await Eventually.Get(() => IdempotencyHttpTests.PostAsync(http, IdempotencyTestApi.Path, body, "durable-1"),
            r => r.Response.StatusCode == HttpStatusCode.Created, ClusterTimeout, "the first create");

        await cluster.StartSiloAsync();
        await cluster.KillSiloAsync(first);

        var replay = await Eventually.Get(() => IdempotencyHttpTests.PostAsync(http, IdempotencyTestApi.Path, body, "durable-1"),
            r => r.Response.StatusCode == HttpStatusCode.OK, ClusterTimeout, "the replay after the silo was replaced");
        Assert.Equal("true", replay.Response.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(created.Text, replay.Text);
        Assert.Equal(1, api.Widgets.CreatedFor("durable"));
    }
}
