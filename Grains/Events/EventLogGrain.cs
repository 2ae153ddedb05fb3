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
        // An event no endpoint wants is logged as delivered (nothing is owed), saving a status write per change.
        var directory = GrainFactory.GetGrain<IWebhookDirectoryGrain>(Partition);
        var wanted = await directory.Wanted([.. events.Select(e => e.Type)]);
        var statuses = wanted.Select(w => w ? EventStatuses.Pending : EventStatuses.Delivered).ToList();
        var sequences = await store.AppendAsync(Partition, events, statuses);
        var entries = events
            .Select((e, i) => new EventLogEntry(e.Id, sequences[i], e.Type, statuses[i], e.CreatedAt, e.DataJson))
            .DistinctBy(e => e.Id)
            .ToList();
        if (wanted.Any(w => w))
        {
            await directory.Dispatch(entries);
        }
        return sequences;
    }

    public Task<EventLogPage> Query(EventLogQuery query, CancellationToken cancellationToken = default) =>
        store.QueryAsync(Partition, query, cancellationToken);
}
