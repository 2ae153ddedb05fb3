using System.Collections.Concurrent;
using Grains.Events;
using Grains.Interfaces.Events;
using Grains.Platform.Postgres;
using Microsoft.Extensions.Hosting;
using Tests.Infrastructure;
using Tests.Webhooks;
using Xunit.Abstractions;

namespace Tests.Events;

/// <summary>
/// A silo cluster on PostgreSQL, writes in flight on every partition, and silos stopped one after another at varied
/// instants, gracefully (what SIGTERM does to the Silo program) or abruptly: every event whose append was
/// acknowledged reaches its endpoint.
/// </summary>
/// <remarks>
/// Each round starts a silo, waits a varied instant, then stops the silo holding the most event logs. 10 rounds per
/// mode by default; <c>FAULT_ROUNDS</c> sets another number.
/// </remarks>
public sealed class EventsSurviveSiloLossTests(ITestOutputHelper output)
{
    private const int Partitions = 8;
    private static readonly int Rounds = int.TryParse(Environment.GetEnvironmentVariable("FAULT_ROUNDS"), out var rounds) ? rounds : 10;
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(90);

    // Operational pacing (wall clock, not business time): producers leave the machine room to run the silos.
    private static readonly TimeSpan ProducerPause = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan AfterStop = TimeSpan.FromMilliseconds(1500);

    [PostgresFact]
    public Task Every_acknowledged_event_reaches_its_endpoint_across_repeated_graceful_silo_shutdowns() => RunAsync(graceful: true);

    [PostgresFact]
    public Task Every_acknowledged_event_reaches_its_endpoint_across_repeated_silo_kills() => RunAsync(graceful: false);

    /// <summary>
    /// The loss the rounds above guard, made deterministic: a stopping activation's append commits after the new
    /// activation read its starting position, so its event's sequence lies between that position and the new
    /// activation's own appends. The new activation's hand-off must not move the mark past it.
    /// </summary>
    [PostgresFact]
    public async Task An_event_another_activation_logged_after_this_one_started_is_handed_on_before_the_mark_passes_it()
    {
        await using var cluster = new PostgresCluster(await TestPostgres.CreateDatabaseAsync("late_append"));
        await cluster.StartSiloAsync();
        var client = await cluster.StartClientAsync();
        await using var receiver = await new WebhookReceiver().StartAsync();
        var (partition, _, _) = await WebhookFailoverTests.CreateEndpointAsync(client, receiver, "customer.*");
        var log = client.GetGrain<IEventLogGrain>(partition);
        var first = Outbox.Event("customer.created", DateTimeOffset.UtcNow, new { id = "cust_1" });
        await log.Append([first]);

        // The old activation's late append, written straight to the store behind the live activation's back.
        var store = new PostgresEventLogStore(PostgresDataSource.For(cluster.ConnectionString));
        var late = Outbox.Event("customer.updated", DateTimeOffset.UtcNow, new { id = "cust_1" });
        Assert.Equal(2, (await store.AppendAsync(partition, [late]))[0]);

        var next = Outbox.Event("customer.updated", DateTimeOffset.UtcNow, new { id = "cust_1" });
        Assert.Equal([3L], await log.Append([next]));

        var received = await Eventually.Get(() => Task.FromResult(receiver.Succeeded), r => r.Count >= 3, TimeSpan.FromSeconds(30),
            "all three events at the receiver");
        Assert.Equal(new[] { first.Id, late.Id, next.Id }.Order(), received.Select(r => r.EventId).Distinct().Order());
        await Eventually.Get(() => store.DispatchPositionAsync(partition), p => p.DispatchedThrough == 3, TimeSpan.FromSeconds(30), "the mark at 3");
    }

    private async Task RunAsync(bool graceful)
    {
        await using var cluster = new PostgresCluster(await TestPostgres.CreateDatabaseAsync(graceful ? "sigterm_events" : "sigkill_events"));
        {
            await cluster.StartSiloAsync();
            await cluster.StartSiloAsync();
            var client = await cluster.StartClientAsync();
            await using var receiver = await new WebhookReceiver().StartAsync();
            var partitions = new List<string>();
            for (var i = 0; i < Partitions; i++)
            {
                partitions.Add((await WebhookFailoverTests.CreateEndpointAsync(client, receiver, "customer.*")).Partition);
            }

            var acknowledged = new ConcurrentDictionary<string, string>();
            using var stop = new CancellationTokenSource();
            var producers = partitions.Select(p => Task.Run(() => ProduceAsync(client, p, acknowledged, stop.Token))).ToList();

            // The instant of the stop moves through the burst from round to round (a fixed seed: a failure reruns alike).
            var random = new Random(graceful ? 13 : 17);
            for (var round = 0; round < Rounds; round++)
            {
                await cluster.StartSiloAsync();
                var instant = random.Next(0, 1000);
                await Task.Delay(TimeSpan.FromMilliseconds(instant));
                var victim = await BusiestAsync(client, cluster.Silos, partitions);
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} round {round}: {acknowledged.Count} acknowledged; stopping {PostgresCluster.AddressOf(victim)} after {instant} ms");
                await (graceful ? cluster.StopSiloAsync(victim) : cluster.KillSiloAsync(victim));
                await Task.Delay(AfterStop);
            }
            await stop.CancelAsync();
            await Task.WhenAll(producers);

            var expected = acknowledged.ToDictionary();
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {expected.Count} acknowledged; waiting for the receiver");
            Assert.True(expected.Count > Rounds * Partitions, $"only {expected.Count} events were acknowledged");
            var missing = await Eventually.Get(
                () => Task.FromResult(expected.Keys.Except(receiver.Succeeded.Select(r => r.EventId)).ToList()),
                m => m.Count == 0, DeliveryTimeout, $"all {expected.Count} acknowledged events at the receiver");
            Assert.Empty(missing);
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} all {expected.Count} acknowledged events delivered");
        }
    }

    /// <summary>The silo holding the most of the partitions' event logs (the oldest when that cannot be told quickly).</summary>
    private static async Task<IHost> BusiestAsync(IClusterClient client, IReadOnlyList<IHost> silos, List<string> partitions)
    {
        try
        {
            var logs = partitions.Select(p => client.GetGrain<IEventLogGrain>(p).GetGrainId()).ToHashSet();
            var stats = await client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics().WaitAsync(TimeSpan.FromSeconds(5));
            var busiest = stats.Where(s => logs.Contains(s.GrainId)).GroupBy(s => s.SiloAddress.ToString())
                .OrderByDescending(g => g.Count()).Select(g => g.Key).FirstOrDefault();
            return silos.FirstOrDefault(s => PostgresCluster.AddressOf(s) == busiest) ?? silos[0];
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            return silos[0];
        }
    }

    /// <summary>Appends one event after another to the partition's log, each retried with its id until acknowledged.</summary>
    private static async Task ProduceAsync(IClusterClient client, string partition, ConcurrentDictionary<string, string> acknowledged,
        CancellationToken stop)
    {
        var log = client.GetGrain<IEventLogGrain>(partition);
        while (!stop.IsCancellationRequested)
        {
            var evt = Outbox.Event("customer.created", DateTimeOffset.UtcNow, new { partition });
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await log.Append([evt]);
                    acknowledged[evt.Id] = partition;
                    break;
                }
                catch (Exception) when (!stop.IsCancellationRequested)
                {
                    // The silo holding the log went away: the producer's outbox would try again, with the same id.
                    await Task.Delay(50, CancellationToken.None);
                }
                catch (Exception)
                {
                    break;
                }
            }
            await Task.Delay(ProducerPause, CancellationToken.None);
        }
    }
}
