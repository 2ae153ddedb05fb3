using Grains.Events;
using Grains.Interfaces.Customers;
using Grains.Interfaces.Events;
using Grains.Interfaces.Platform;
using Grains.Platform;
using Tests.Infrastructure;

namespace Tests.Events;

/// <summary>The event pipeline on a real PostgreSQL cluster: the log is in PostgreSQL and survives losing a silo.</summary>
public sealed class EventPipelinePostgresTests
{
    private static readonly TimeSpan ClusterTimeout = TimeSpan.FromSeconds(60);

    [PostgresFact]
    public async Task An_event_persisted_but_not_handed_on_when_the_silo_dies_arrives_after_reactivation_elsewhere()
    {
        await using var cluster = new PostgresCluster(await TestPostgres.CreateDatabaseAsync("events"));
        var first = await cluster.StartSiloAsync();
        var client = await cluster.StartClientAsync();
        const string partition = "ten_pgevents:live";

        // A customer's events flow through the PostgreSQL log as usual.
        var customerId = ResourceIds.New(CustomerKeys.IdPrefix);
        await client.GetGrain<ICustomerGrain>(CustomerKeys.Grain(partition, customerId)).Create(new CustomerFields { Name = "Jane Smith", Email = "jane@example.com" });

        // Written while only the first silo exists, so the grain lives there; it stops right after the state write.
        var probe = client.GetGrain<IOutboxProbeGrain>($"{partition}/probe");
        var stranded = Outbox.Event("customer.updated", DateTimeOffset.UtcNow, new { id = customerId });
        await probe.RecordWithoutHandOff(stranded);
        Assert.Equal(PostgresCluster.AddressOf(first), await probe.Where());

        var second = await cluster.StartSiloAsync();
        await cluster.KillSiloAsync(first);

        await Eventually.Get(probe.Where, at => at == PostgresCluster.AddressOf(second), ClusterTimeout,
            "the probe to reactivate on the surviving silo");
        Assert.Empty(await probe.Pending());
        var log = await client.GetGrain<IEventLogGrain>(partition).Query(new EventLogQuery());
        Assert.Equal(["customer.created", "customer.updated"], log.Events.Select(e => e.Type));
        Assert.Equal([1L, 2L], log.Events.Select(e => e.Sequence));
        Assert.Equal(stranded.Id, log.Events[1].Id);

        // Handing the same events on again (a crash after the append, before the trim) adds nothing.
        await client.GetGrain<IEventLogGrain>(partition).Append([stranded]);
        Assert.Equal(2, (await client.GetGrain<IEventLogGrain>(partition).Query(new EventLogQuery())).Events.Count);
    }
}
