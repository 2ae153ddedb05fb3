using Grains.Interfaces.Events;
using Grains.Interfaces.Webhooks;

namespace Grains.Events;

/// <summary>
/// The event log of one partition (<c>{tenant}:{env}</c>). Stateless itself: the store assigns sequences and keeps
/// events. Appends are one at a time per partition, and each waits for the fan-out to webhook endpoints, so an
/// endpoint receives events in sequence order and a producer keeps an event in its outbox until it is both logged
/// and handed on (a crash in between only means a repeat, which the log and the endpoints ignore).
/// </summary>
public sealed class EventLogGrain(IEventLogStore store) : Grain, IEventLogGrain
{
    private string Partition => this.GetPrimaryKeyString();

    public async Task<IReadOnlyList<long>> Append(IReadOnlyList<OutboxEvent> events)
    {
        var sequences = await store.AppendAsync(Partition, events);
        var entries = events
            .Select((e, i) => new EventLogEntry(e.Id, sequences[i], e.Type, EventStatuses.Pending, e.CreatedAt, e.DataJson))
            .DistinctBy(e => e.Id)
            .ToList();
        if (entries.Count > 0)
        {
            await GrainFactory.GetGrain<IWebhookDirectoryGrain>(Partition).Dispatch(entries);
        }
        return sequences;
    }

    public Task<EventLogPage> Query(EventLogQuery query, CancellationToken cancellationToken = default) =>
        store.QueryAsync(Partition, query, cancellationToken);
}
