using Grains.Interfaces.Events;
using Grains.Interfaces.Webhooks;
using Orleans.Concurrency;

namespace Grains.Events;

/// <summary>
/// The event log of one partition (<c>{tenant}:{env}</c>). Stateless itself: the store assigns sequences and keeps
/// events. Appends that arrive while one is being written are written together in the next transaction (group
/// commit), one batch at a time, and each batch is handed to the webhook endpoints before the next: an endpoint
/// still receives events in sequence order, and a producer keeps an event in its outbox until it is both logged and
/// handed on (a crash in between only means a repeat, which the log and the endpoints ignore).
/// </summary>
[Reentrant]
public sealed class EventLogGrain(IEventLogStore store) : Grain, IEventLogGrain
{
    private const int MaxEventsPerBatch = 1000;

    private readonly Queue<PendingAppend> queued = new();
    private bool writing;

    private string Partition => this.GetPrimaryKeyString();

    public Task<IReadOnlyList<long>> Append(IReadOnlyList<OutboxEvent> events)
    {
        var append = new PendingAppend(events);
        queued.Enqueue(append);
        if (!writing)
        {
            writing = true;
            _ = WriteQueued();
        }
        return append.Done.Task;
    }

    public Task<EventLogPage> Query(EventLogQuery query, CancellationToken cancellationToken = default) =>
        store.QueryAsync(Partition, query, cancellationToken);

    /// <summary>Writes what is queued, batch after batch, until nothing is (runs on the grain's scheduler).</summary>
    private async Task WriteQueued()
    {
        try
        {
            while (queued.Count > 0)
            {
                var batch = new List<PendingAppend>();
                var count = 0;
                while (queued.Count > 0 && (batch.Count == 0 || count + queued.Peek().Events.Count <= MaxEventsPerBatch))
                {
                    var next = queued.Dequeue();
                    count += next.Events.Count;
                    batch.Add(next);
                }
                try
                {
                    var sequences = await AppendAndDispatch([.. batch.SelectMany(a => a.Events)]);
                    var offset = 0;
                    foreach (var append in batch)
                    {
                        append.Done.TrySetResult([.. sequences.Skip(offset).Take(append.Events.Count)]);
                        offset += append.Events.Count;
                    }
                }
                catch (Exception ex)
                {
                    // Each producer keeps its events in its outbox and tries again.
                    batch.ForEach(a => a.Done.TrySetException(ex));
                }
            }
        }
        finally
        {
            writing = false;
        }
    }

    private async Task<IReadOnlyList<long>> AppendAndDispatch(IReadOnlyList<OutboxEvent> events)
    {
        // An event no endpoint wants is logged as delivered (nothing is owed), saving a status write per change.
        var directory = GrainFactory.GetGrain<IWebhookDirectoryGrain>(Partition);
        var wanted = await directory.Wanted([.. events.Select(e => e.Type)]);
        var statuses = wanted.Select(w => w ? EventStatuses.Pending : EventStatuses.Delivered).ToList();
        var sequences = await store.AppendAsync(Partition, events, statuses);
        if (wanted.Any(w => w))
        {
            var entries = events
                .Select((e, i) => new EventLogEntry(e.Id, sequences[i], e.Type, statuses[i], e.CreatedAt, e.DataJson))
                .DistinctBy(e => e.Id)
                .ToList();
            await directory.Dispatch(entries);
        }
        return sequences;
    }

    private sealed record PendingAppend(IReadOnlyList<OutboxEvent> Events)
    {
        public TaskCompletionSource<IReadOnlyList<long>> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
