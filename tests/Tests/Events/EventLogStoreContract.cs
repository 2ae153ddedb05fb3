using Grains.Events;
using Grains.Interfaces.Events;
using Tests.Infrastructure;

namespace Tests.Events;

/// <summary>What every <see cref="IEventLogStore"/> must do; each test works in partitions of its own.</summary>
public abstract class EventLogStoreContract
{
    protected static readonly DateTimeOffset T0 = new(2026, 3, 9, 10, 30, 0, TimeSpan.Zero);

    protected abstract Task<IEventLogStore> StoreAsync();

    protected static string NewPartition() => $"ten_{Guid.NewGuid():N}:test";

    protected static OutboxEvent Event(string type = "customer.created", int minute = 0, string? id = null) =>
        new(id ?? $"evt_{Guid.NewGuid():N}"[..28], type, T0.AddMinutes(minute), $$"""{"minute":{{minute}}}""");

    [StoreFact]
    public async Task Sequences_increase_strictly_per_partition_and_independently_across_partitions()
    {
        var store = await StoreAsync();
        var (a, b) = (NewPartition(), NewPartition());

        Assert.Equal([1L, 2L, 3L], await store.AppendAsync(a, [Event(), Event(), Event()]));
        Assert.Equal([1L, 2L], await store.AppendAsync(b, [Event(), Event()]));
        Assert.Equal([4L], await store.AppendAsync(a, [Event()]));

        var page = await store.QueryAsync(a, new EventLogQuery());
        Assert.Equal([1L, 2L, 3L, 4L], page.Events.Select(e => e.Sequence));
        Assert.Equal(2, (await store.QueryAsync(b, new EventLogQuery())).Events.Count);
        Assert.Empty((await store.QueryAsync(NewPartition(), new EventLogQuery())).Events);
    }

    [StoreFact]
    public async Task Append_is_idempotent_by_event_id()
    {
        var store = await StoreAsync();
        var partition = NewPartition();
        var (first, second, third) = (Event(minute: 1), Event(minute: 2), Event(minute: 3));

        Assert.Equal([1L, 2L], await store.AppendAsync(partition, [first, second]));
        // A re-hand-off after a crash repeats events; they keep their sequence and nothing is added twice.
        Assert.Equal([2L, 3L, 3L], await store.AppendAsync(partition, [second, third, third]));
        Assert.Equal([1L], await store.AppendAsync(partition, [first]));

        var events = (await store.QueryAsync(partition, new EventLogQuery())).Events;
        Assert.Equal([first.Id, second.Id, third.Id], events.Select(e => e.Id));
        Assert.Equal(second.DataJson, events[1].DataJson);
        Assert.Equal(second.CreatedAt, events[1].CreatedAt);
        Assert.All(events, e => Assert.Equal(EventStatuses.Pending, e.Status));
    }

    [StoreFact]
    public async Task Concurrent_appends_leave_no_gaps_and_keep_each_batch_in_order()
    {
        var store = await StoreAsync();
        var partition = NewPartition();
        var batches = Enumerable.Range(0, 20).Select(_ => Enumerable.Range(0, 5).Select(i => Event(minute: i)).ToList()).ToList();

        var results = await Task.WhenAll(batches.Select(batch => Task.Run(() => store.AppendAsync(partition, batch))));

        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), results.SelectMany(r => r).Order());
        Assert.All(results, r => Assert.Equal(r.Order(), r));
        var logged = (await store.QueryAsync(partition, new EventLogQuery(Limit: 1000))).Events;
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), logged.Select(e => e.Sequence));
    }

    [StoreFact]
    public async Task Queries_filter_by_sequence_time_type_and_status_and_page_in_sequence_order()
    {
        var store = await StoreAsync();
        var partition = NewPartition();
        await store.AppendAsync(partition,
            [Event("customer.created", 0), Event("product.created", 1), Event("customer.updated", 2), Event("customer.deleted", 3)]);

        var first = await store.QueryAsync(partition, new EventLogQuery(Limit: 2));
        Assert.Equal([1L, 2L], first.Events.Select(e => e.Sequence));
        Assert.Equal(((long?)2, true), (first.LastSequence, first.HasMore));
        var rest = await store.QueryAsync(partition, new EventLogQuery(SinceSequence: first.LastSequence, Limit: 2));
        Assert.Equal([3L, 4L], rest.Events.Select(e => e.Sequence));
        Assert.Equal(((long?)4, false), (rest.LastSequence, rest.HasMore));
        var none = await store.QueryAsync(partition, new EventLogQuery(SinceSequence: 4));
        Assert.Equal((0, (long?)4, false), (none.Events.Count, none.LastSequence, none.HasMore));

        Assert.Equal(["customer.updated", "customer.deleted"],
            (await store.QueryAsync(partition, new EventLogQuery(SinceTimestamp: T0.AddMinutes(1)))).Events.Select(e => e.Type));
        Assert.Equal([2L], (await store.QueryAsync(partition, new EventLogQuery(EventType: "product.created"))).Events.Select(e => e.Sequence));
        Assert.Equal(4, (await store.QueryAsync(partition, new EventLogQuery(Status: EventStatuses.Pending))).Events.Count);
        Assert.Empty((await store.QueryAsync(partition, new EventLogQuery(Status: "delivered"))).Events);
        var typed = await store.QueryAsync(partition, new EventLogQuery(SinceSequence: 1, EventType: "customer.updated", Limit: 1));
        Assert.Equal([3L], typed.Events.Select(e => e.Sequence));
        Assert.False(typed.HasMore);
    }

    [StoreFact]
    public async Task Appended_events_take_the_initial_status_given_and_statuses_can_be_set_later()
    {
        var store = await StoreAsync();
        var partition = NewPartition();
        var (wanted, unwanted) = (Event(), Event());
        await store.AppendAsync(partition, [wanted, unwanted], [EventStatuses.Pending, EventStatuses.Delivered]);
        Assert.Equal([wanted.Id], (await store.QueryAsync(partition, new EventLogQuery(Status: EventStatuses.Pending))).Events.Select(e => e.Id));
        Assert.Equal([unwanted.Id], (await store.QueryAsync(partition, new EventLogQuery(Status: EventStatuses.Delivered))).Events.Select(e => e.Id));

        await store.SetStatusesAsync([new EventStatusChange(partition, wanted.Id, EventStatuses.Failed)]);
        Assert.Equal(EventStatuses.Failed, (await store.QueryAsync(partition, new EventLogQuery())).Events[0].Status);
    }

    [StoreFact]
    public async Task The_dispatch_mark_starts_at_zero_follows_the_log_and_never_moves_back()
    {
        var store = await StoreAsync();
        var partition = NewPartition();
        Assert.Equal(new DispatchPosition(0, 0), await store.DispatchPositionAsync(partition));

        await store.AppendAsync(partition, [Event(), Event(), Event()]);
        Assert.Equal(new DispatchPosition(0, 3), await store.DispatchPositionAsync(partition));

        await store.SetDispatchedThroughAsync(partition, 2);
        await store.SetDispatchedThroughAsync(partition, 1);
        Assert.Equal(new DispatchPosition(2, 3), await store.DispatchPositionAsync(partition));
        await store.SetDispatchedThroughAsync(partition, 3);
        Assert.Equal(new DispatchPosition(3, 3), await store.DispatchPositionAsync(partition));
        Assert.Equal(new DispatchPosition(0, 0), await store.DispatchPositionAsync(NewPartition()));
    }
}
