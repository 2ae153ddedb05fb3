using Grains.Interfaces.Events;

namespace Grains.Events;

/// <summary>
/// The event log of one partition (<c>{tenant}:{env}</c>). Stateless itself: the store assigns sequences and keeps
/// events. One activation per partition is the place where fan-out to webhook endpoints will hang later.
/// </summary>
public sealed class EventLogGrain(IEventLogStore store) : Grain, IEventLogGrain
{
    private string Partition => this.GetPrimaryKeyString();

    public Task<IReadOnlyList<long>> Append(IReadOnlyList<OutboxEvent> events) => store.AppendAsync(Partition, events);

    public Task<EventLogPage> Query(EventLogQuery query, CancellationToken cancellationToken = default) =>
        store.QueryAsync(Partition, query, cancellationToken);
}
