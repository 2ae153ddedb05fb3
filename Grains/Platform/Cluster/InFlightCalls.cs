using System.Collections.Concurrent;

namespace Grains.Platform.Cluster;

/// <summary>The grain calls a cluster client is waiting on, so the ones stuck on a dead silo can be failed (<see cref="SiloLossWatch"/>).</summary>
public sealed class InFlightCalls(TimeProvider time)
{
    private readonly ConcurrentDictionary<long, Call> calls = new();
    private long lastId;

    public int Count => calls.Count;

    /// <summary>Tracks a call that started at <paramref name="startedAt"/> (a <see cref="TimeProvider.GetTimestamp"/>) until disposed.</summary>
    public Call Track(long startedAt)
    {
        var call = new Call(this, Interlocked.Increment(ref lastId), startedAt);
        calls[call.Id] = call;
        return call;
    }

    /// <summary>Fails every tracked call running for at least <paramref name="runningFor"/>; returns how many.</summary>
    public int FailStuck(TimeSpan runningFor, string reason)
    {
        var now = time.GetTimestamp();
        var failed = 0;
        foreach (var call in calls.Values)
        {
            if (time.GetElapsedTime(call.StartedAt, now) >= runningFor && call.Fail(reason))
            {
                failed++;
            }
        }
        return failed;
    }

    public sealed class Call(InFlightCalls owner, long id, long startedAt) : IDisposable
    {
        private readonly TaskCompletionSource<string> lost = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Id { get; } = id;

        public long StartedAt { get; } = startedAt;

        /// <summary>Completes with the reason when the call is given up on.</summary>
        public Task<string> Lost => lost.Task;

        public bool Fail(string reason) => lost.TrySetResult(reason);

        public void Dispose() => owner.calls.TryRemove(Id, out _);
    }
}
