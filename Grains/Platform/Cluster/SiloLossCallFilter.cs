namespace Grains.Platform.Cluster;

/// <summary>
/// A cluster client's outgoing filter: a call still unanswered is tracked in <see cref="InFlightCalls"/>, and when
/// <see cref="SiloLossWatch"/> gives it up (its silo died) the caller gets <see cref="SiloUnavailableException"/>
/// (503 at the API) without waiting for the response timeout. The abandoned call's own outcome is observed and dropped.
/// </summary>
public sealed class SiloLossCallFilter(InFlightCalls calls, TimeProvider time) : IOutgoingGrainCallFilter
{
    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        var startedAt = time.GetTimestamp();
        var call = context.Invoke();
        if (call.IsCompleted)
        {
            await call;
            return;
        }
        using var tracked = calls.Track(startedAt);
        if (await Task.WhenAny(call, tracked.Lost) == call)
        {
            await call;
            return;
        }
        _ = call.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        throw new SiloUnavailableException($"{context.InterfaceMethod.Name} on {context.TargetId}: {await tracked.Lost}");
    }
}
