using Grains.Interfaces.Events;
using Microsoft.Extensions.Logging;

namespace Grains.Events;

/// <summary>What a grain does after <see cref="OutboxRelay.DrainAsync{TState}"/>.</summary>
public enum OutboxDrain
{
    /// <summary>Nothing pending any more (or nothing was); without <c>persistTrim</c> the trim is in memory only.</summary>
    Drained,

    /// <summary>The log could not be reached: the events stay in the outbox; try again later.</summary>
    RetryLater,

    /// <summary>The trimming write failed and may or may not have landed: re-read the state (deactivate).</summary>
    Reload,
}

/// <summary>
/// Hands a grain's pending outbox events to its partition's <see cref="IEventLogGrain"/>, then removes them from the
/// outbox: stored at once (<c>persistTrim</c>), or left for the grain's next write. Until the trim is stored a crash
/// leaves them in the stored outbox, and the next activation hands them on again; the log is idempotent by event id,
/// so that repeat adds nothing.
/// </summary>
/// <remarks>
/// After a change the trim waits for the next write (the next change, or the resource grain's deactivation) instead
/// of costing a write of its own: one state write per change instead of two. On activation and on retries it is
/// stored at once, so a grain whose deactivation write was lost hands its events on once more, not on every
/// activation.
/// </remarks>
public static class OutboxRelay
{
    public static async Task<OutboxDrain> DrainAsync<TState>(IGrainFactory grains, string partition, IPersistentState<TState> state,
        Func<TState, List<OutboxEvent>> outboxOf, ILogger logger, string owner, bool persistTrim)
    {
        var pending = outboxOf(state.State).ToList();
        if (pending.Count == 0)
        {
            return OutboxDrain.Drained;
        }

        try
        {
            await grains.GetGrain<IEventLogGrain>(partition).Append(pending);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Handing {Count} outbox events of {Owner} to the event log failed; retrying", pending.Count, owner);
            return OutboxDrain.RetryLater;
        }

        // Remove what was handed on, by id: only these, whatever else the outbox holds.
        var handed = pending.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        outboxOf(state.State).RemoveAll(e => handed.Contains(e.Id));
        if (!persistTrim)
        {
            return OutboxDrain.Drained;
        }
        try
        {
            await state.WriteStateAsync();
            return OutboxDrain.Drained;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Trimming the outbox of {Owner} failed; its events may be handed on again (same ids)", owner);
            return OutboxDrain.Reload;
        }
    }
}
