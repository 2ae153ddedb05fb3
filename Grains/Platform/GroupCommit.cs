using System.Diagnostics;
using Grains.Platform.Telemetry;

namespace Grains.Platform;

/// <summary>
/// Group commit for a process: items submitted while a flush runs are written together by the next one, so a busy
/// process sends many items per database round trip (and per commit) while an idle one writes each item at once,
/// with no added delay. A submitter's task completes with its own item's result once the flush holding it is done,
/// or faults with the flush's error (every item of a failed flush faults alike: nothing is half-reported).
/// </summary>
/// <remarks>
/// By default one flush runs at a time: on a commit that takes a fraction of a millisecond, batching is what raises
/// throughput, and a single writer keeps the items' order. Where a flush is heavy enough to keep a database
/// backend busy, <paramref name="maxConcurrentFlushes"/> lets more run side by side (items are then taken in order
/// but may commit out of order). Flushes run on the thread pool, never on the scheduler of the grain that happened
/// to submit first.
/// </remarks>
/// <param name="flush">Writes a batch and returns one result per item, in the items' order.</param>
/// <param name="maxItemsPerFlush">Largest batch; what is left waits for the next flush.</param>
/// <param name="maxConcurrentFlushes">How many flushes may run at once.</param>
public sealed class GroupCommit<TItem, TResult>(
    Func<IReadOnlyList<TItem>, CancellationToken, Task<IReadOnlyList<TResult>>> flush,
    int maxItemsPerFlush,
    int maxConcurrentFlushes = 1)
{
    private readonly Lock gate = new();
    private readonly Queue<Pending> queued = new();
    private int flushing;

    public Task<TResult> SubmitAsync(TItem item)
    {
        var pending = new Pending(item);
        lock (gate)
        {
            queued.Enqueue(pending);
            if (flushing >= maxConcurrentFlushes)
            {
                return pending.Done.Task;
            }
            flushing++;
        }
        _ = Task.Run(FlushLoopAsync);
        return pending.Done.Task;
    }

    private async Task FlushLoopAsync()
    {
        while (TakeBatch() is { } batch)
        {
            try
            {
                using var span = SalesboothTracing.StartGroupCommit([.. batch.Select(p => p.Submitter)]);
                var results = await flush([.. batch.Select(p => p.Item)], CancellationToken.None);
                if (results.Count != batch.Length)
                {
                    throw new InvalidOperationException($"A group commit flush returned {results.Count} results for {batch.Length} items.");
                }
                for (var i = 0; i < batch.Length; i++)
                {
                    batch[i].Done.TrySetResult(results[i]);
                }
            }
            catch (Exception ex)
            {
                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(ex);
                }
            }
        }
    }

    private Pending[]? TakeBatch()
    {
        lock (gate)
        {
            if (queued.Count == 0)
            {
                flushing--;
                return null;
            }
            var batch = new Pending[Math.Min(queued.Count, maxItemsPerFlush)];
            for (var i = 0; i < batch.Length; i++)
            {
                batch[i] = queued.Dequeue();
            }
            return batch;
        }
    }

    private sealed class Pending(TItem item)
    {
        public TItem Item { get; } = item;

        /// <summary>The submitting request's span: the flush continues its trace (or links to it when shared).</summary>
        public ActivityContext Submitter { get; } = Activity.Current?.Context ?? default;

        public TaskCompletionSource<TResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
