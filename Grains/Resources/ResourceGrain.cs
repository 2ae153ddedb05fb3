using Grains.Events;
using Grains.Interfaces.Events;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Projections;
using Grains.Projections;
using Microsoft.Extensions.Logging;

namespace Grains.Resources;

/// <summary>The persisted shape every projected resource grain shares: record, tombstone, versions and outbox.</summary>
public interface IResourceState<TRecord> where TRecord : class
{
    /// <summary>The record; null before creation and after deletion.</summary>
    TRecord? Record { get; set; }

    /// <summary>A deleted record keeps a tombstone so its id is never reused.</summary>
    bool Deleted { get; set; }

    /// <summary>Version of the last change, deletion included.</summary>
    long Version { get; set; }

    /// <summary>The version the projection is known to have; behind <see cref="Version"/> means "re-project on activation".</summary>
    long ProjectionVersion { get; set; }

    List<OutboxEvent> Outbox { get; set; }
}

/// <summary>
/// A resource grain keyed <c>{tenant}:{env}/{id}</c> whose changes are one state write (record + outbox event),
/// then handed on: events to the tenant event log (<see cref="OutboxRelay"/>), the record to the projection. Neither
/// hand-off fails the change (it is persisted): timers retry while active, and activation retries what is behind.
/// </summary>
public abstract class ResourceGrain<TState, TRecord>(
    IPersistentState<TState> state,
    IProjectionStore projections,
    ILogger logger) : Grain
    where TState : class, IResourceState<TRecord>, new()
    where TRecord : class
{
    private static readonly TimeSpan RetryDue = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RetryPeriod = TimeSpan.FromSeconds(30);

    private IGrainTimer? projectionRetry;
    private IGrainTimer? eventRetry;

    // The state in memory is ahead of the stored one in what needs no write of its own (the trimmed outbox, the
    // projection version, a derived grain's hand-off marks); the next change or the deactivation writes it.
    private bool unsavedHandOffs;

    /// <summary>The persisted state as last written (read-only use: changes go through <see cref="Commit"/>).</summary>
    protected TState Current => state.State;

    protected string GrainKey => this.GetPrimaryKeyString();

    /// <summary>Tenant and environment: <c>ten_x:live</c>.</summary>
    protected string Partition => GrainKey[..GrainKey.IndexOf('/')];

    protected string ResourceId => GrainKey[(GrainKey.IndexOf('/') + 1)..];

    protected string TenantId => Partition[..Partition.IndexOf(':')];

    /// <summary>The projection's resource type (<c>customer</c>, <c>product</c>).</summary>
    protected abstract string ResourceType { get; }

    protected abstract ProjectionRow ToRow(TRecord record);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Events a crash kept from being handed on are still in the persisted outbox.
        await HandOnEvents(persistTrim: true);
        if (state.State.ProjectionVersion < state.State.Version)
        {
            await SyncProjection(cancellationToken);
        }
    }

    public Task<IReadOnlyList<OutboxEvent>> PendingEvents() => Task.FromResult<IReadOnlyList<OutboxEvent>>([.. state.State.Outbox]);

    protected void CheckVersion(long expected)
    {
        if (expected != state.State.Version)
        {
            throw DomainException.StaleVersion(state.State.Version);
        }
    }

    /// <summary>The change: one state write of the new record (null = deleted) with its event, then the hand-offs.</summary>
    protected Task Commit(TRecord? record, OutboxEvent evt) => Commit(record, [evt]);

    /// <summary>
    /// The change with several events. <paramref name="amend"/> sets a derived state's own fields on the new state
    /// (from the previous one), so they are part of the same write.
    /// </summary>
    protected async Task Commit(TRecord? record, IReadOnlyList<OutboxEvent> events, Action<TState, TState>? amend = null)
    {
        var previous = state.State;
        state.State = new TState
        {
            Record = record,
            Deleted = record is null,
            Version = previous.Version + 1,
            ProjectionVersion = previous.ProjectionVersion,
            Outbox = [.. previous.Outbox, .. events],
        };
        amend?.Invoke(previous, state.State);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // The write may or may not have landed: forget this activation and read the truth next time.
            state.State = previous;
            unsavedHandOffs = false;
            DeactivateOnIdle();
            throw;
        }
        // The hand-offs are independent of each other: run them side by side (latency is the slowest, not the sum).
        await Task.WhenAll(HandOnEvents(persistTrim: false), SyncProjection(), AfterCommit());
        unsavedHandOffs = true;
    }

    /// <summary>
    /// A grain going idle writes what its hand-offs trimmed, so its next activation does not hand it on again. Not
    /// when its silo shuts down: grain-based storage (embedded) is already gone then, and every write would wait for
    /// it; the next activation hands the last events on once more instead, which the log ignores.
    /// </summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (!unsavedHandOffs || reason.ReasonCode == DeactivationReasonCode.ShuttingDown)
        {
            return;
        }
        try
        {
            await state.WriteStateAsync(cancellationToken);
            unsavedHandOffs = false;
        }
        catch (Exception ex)
        {
            // Nothing is lost: the next activation hands the stored outbox on again, and the log ignores repeats.
            logger.LogInformation(ex, "Writing the trimmed outbox of {Resource} at deactivation failed", GrainKey);
        }
    }

    /// <summary>A derived grain's own hand-off after each committed change (e.g. the deal's audit entries).</summary>
    protected virtual Task AfterCommit() => Task.CompletedTask;

    private async Task HandOnEvents(bool persistTrim)
    {
        switch (await OutboxRelay.DrainAsync(GrainFactory, Partition, state, s => s.Outbox, logger, GrainKey, persistTrim))
        {
            case OutboxDrain.Drained:
                eventRetry?.Dispose();
                eventRetry = null;
                break;
            case OutboxDrain.RetryLater:
                eventRetry ??= this.RegisterGrainTimer(_ => HandOnEvents(persistTrim: true), RetryDue, RetryPeriod);
                break;
            default:
                DeactivateOnIdle();
                break;
        }
    }

    private async Task SyncProjection(CancellationToken cancellationToken = default)
    {
        var version = state.State.Version;
        try
        {
            if (state.State.Record is { } record)
            {
                await projections.UpsertAsync(ToRow(record), cancellationToken);
            }
            else
            {
                await projections.DeleteAsync(Partition, ResourceType, ResourceId, cancellationToken);
            }
            state.State.ProjectionVersion = Math.Max(state.State.ProjectionVersion, version);
            projectionRetry?.Dispose();
            projectionRetry = null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Projection of {Resource} v{Version} failed; retrying", GrainKey, version);
            projectionRetry ??= this.RegisterGrainTimer(ct => SyncProjection(ct), RetryDue, RetryPeriod);
        }
    }
}
