using Grains.Interfaces.Delegations;
using Grains.Interfaces.Platform;
using Orleans.Concurrency;

namespace Grains.Delegations;

/// <summary>
/// Group commit of reservations. Every spend under a delegation passes through the same few grains (the link and its
/// ancestors), so one write per reservation per link would cap a delegation at a few dozen deals a second. The grain
/// is therefore reentrant with a gate of its own: <see cref="Reserve"/> and <see cref="ReserveForChildren"/> queue
/// their reservations, and whichever caller finds no flush running takes the gate and reserves everything queued as one
/// batch — one check pass, one call to the parent with the batch, one state write. Every other call (and the base
/// grain's retry timers) holds the gate for its whole run, so a check and its commit still see no other change in
/// between, exactly as when the grain ran one call at a time.
/// </summary>
[Reentrant]
public sealed partial class DelegationGrain : IIncomingGrainCallFilter
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly List<QueuedReservation> queued = [];
    private Task? flush;

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        // Confirm and ConfirmForChildren take the gate themselves only when it has to read the ledger (DelegationGrain.Ledger.cs).
        if (context.InterfaceMethod.Name is nameof(Reserve) or nameof(ReserveForChildren) or nameof(Confirm) or nameof(ConfirmForChildren))
        {
            await context.Invoke();
            return;
        }
        await Exclusive(context.Invoke);
    }

    protected override async Task Exclusive(Func<Task> work)
    {
        await gate.WaitAsync();
        try
        {
            await work();
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Queues the reservations and takes part in flushing until each has its outcome.</summary>
    private async Task Queue(IReadOnlyList<QueuedReservation> reservations)
    {
        queued.AddRange(reservations);
        while (reservations.Any(r => !r.Outcome.Task.IsCompleted))
        {
            if (flush is null || flush.IsCompleted)
            {
                flush = Flush();
            }
            await flush;
        }
    }

    /// <summary>Reserves everything queued under the gate; never throws (each reservation gets its outcome or is queued again).</summary>
    private async Task Flush()
    {
        await gate.WaitAsync();
        List<QueuedReservation> batch = [.. queued];
        queued.Clear();
        try
        {
            if (batch.Count > 0)
            {
                await ReserveBatch(batch);
            }
        }
        catch (Exception ex)
        {
            foreach (var reservation in batch.Where(r => !r.Outcome.Task.IsCompleted))
            {
                queued.Remove(reservation);
                reservation.Outcome.TrySetException(ex);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>A reservation waiting for the next flush: from a request naming this link (direct) or from a child.</summary>
    private sealed class QueuedReservation(string reservationId, decimal amount, string action, string? callerKeyId)
    {
        public string ReservationId => reservationId;
        public decimal Amount => amount;
        public string Action => action;

        /// <summary>The key of the request that named this link; null for a child's reservation.</summary>
        public string? CallerKeyId => callerKeyId;

        public bool Direct => callerKeyId is not null;

        public TaskCompletionSource Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
