using Grains.Delegations.Ledger;
using Grains.Events;
using Grains.Idempotency;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Events;
using Grains.Interfaces.Idempotency;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Projections;
using Grains.Interfaces.Telemetry;
using Grains.Platform;
using Grains.Projections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Providers;
using Orleans.Storage;

namespace Grains.Resources;

/// <summary>The persisted shape every projected resource grain shares: record, tombstone, versions and outbox.</summary>
public interface IResourceState<TRecord> : IHoldsDerivedRows where TRecord : class
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

    /// <summary>Keyed changes committed within <see cref="IdempotencyPolicy.Retention"/> (at most <c>MaxAppliedKeys</c>), by key.</summary>
    Dictionary<string, AppliedKey> AppliedKeys { get; set; }
}

/// <summary>
/// A resource grain keyed <c>{tenant}:{env}/{id}</c>. A change is one write: the state (record, outbox events, the
/// keyed request's outcome) and, where the storage can (<see cref="IStoresDerivedRows"/>: PostgreSQL), the projection
/// row and audit entries it derives, in one transaction group-committed with other grains' changes. Then the events
/// are handed to the tenant event log (<see cref="OutboxRelay"/>), idempotent by event id and in order per grain. See
/// <c>docs/write-path.md</c> for what a crash at each step leaves.
/// </summary>
public abstract class ResourceGrain<TState, TRecord>(
    IPersistentState<TState> state,
    IProjectionStore projections,
    ILogger logger) : Grain, IAppliesKeyedChanges, IRemindable
    where TState : class, IResourceState<TRecord>, new()
    where TRecord : class
{
    /// <summary>Keyed changes a grain remembers (the newest); older retries are answered by the idempotency record.</summary>
    public const int MaxAppliedKeys = 32;

    private static readonly TimeSpan RetryDue = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RetryPeriod = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Armed when a hand-off fails: the timer retries while this activation lives, the reminder outlives it (a grain
    /// deactivated or its silo lost before the retry would otherwise keep committed events in its stored outbox until
    /// someone happens to call it again). The reminder's tick activates the grain, whose activation hands them on.
    /// </summary>
    public const string OutboxReminder = "outbox-hand-off";

    private static readonly TimeSpan OutboxReminderDue = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan OutboxReminderPeriod = TimeSpan.FromMinutes(1);

    private IGrainTimer? projectionRetry;
    private IGrainTimer? eventRetry;
    private bool outboxReminderArmed;

    // The state in memory is ahead of the stored one in what needs no write of its own (the trimmed outbox, the
    // projection version, a derived grain's hand-off marks); the next change or the deactivation writes it.
    private bool unsavedHandOffs;

    private bool? derivedInTransaction;

    /// <summary>The persisted state as last written (read-only use: changes go through <see cref="Commit"/>).</summary>
    protected TState Current => state.State;

    // The key's parts are read on every call (rows, events, ledger), and each read of the grain's key decodes a new string.
    private string? grainKey;
    private string? partition;
    private string? resourceId;

    protected string GrainKey => grainKey ??= this.GetPrimaryKeyString();

    /// <summary>Tenant and environment: <c>ten_x:live</c>.</summary>
    protected string Partition => partition ??= GrainKey[..GrainKey.IndexOf('/')];

    protected string ResourceId => resourceId ??= GrainKey[(GrainKey.IndexOf('/') + 1)..];

    protected string TenantId => Partition[..Partition.IndexOf(':')];

    /// <summary>The data environment of the partition: <c>live</c> or <c>test</c>.</summary>
    protected string Environment => Partition[(Partition.IndexOf(':') + 1)..];

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

    public async Task<AppliedKey?> Applied(string key) =>
        state.State.AppliedKeys.GetValueOrDefault(key) is { } applied ? applied with { Result = await ReplayResult(applied.Result) } : null;

    /// <summary>
    /// A stored result as the grain method returns it. By default it is stored as returned; a grain that stores its
    /// record instead (the customer keeps its sealed record, so no PII is stored in the clear) turns it back here.
    /// </summary>
    protected virtual Task<object?> ReplayResult(object? stored) => Task.FromResult(stored);

    /// <summary>
    /// Whether the grain's storage writes the projection row and audit entries in the state's own transaction
    /// (PostgreSQL); otherwise (memory, the stock ADO.NET provider) the grain applies them after the write.
    /// </summary>
    protected bool DerivedRowsInTransaction => derivedInTransaction ??=
        ServiceProvider.GetKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME) is IStoresDerivedRows;

    public Task<IReadOnlyList<OutboxEvent>> PendingEvents() => Task.FromResult<IReadOnlyList<OutboxEvent>>([.. state.State.Outbox]);

    protected void CheckVersion(long expected)
    {
        if (expected != state.State.Version)
        {
            throw DomainException.StaleVersion(state.State.Version);
        }
    }

    /// <summary>A create's precondition: 409 <c>conflict.already_exists</c> ("<paramref name="what"/> with this id already exists") once the id was used.</summary>
    protected void EnsureNew(string what)
    {
        if (state.State.Version > 0)
        {
            throw DomainException.Conflict("conflict.already_exists", $"{what} with this id already exists");
        }
    }

    /// <summary>The record; 404 naming <paramref name="what"/> before creation and after deletion.</summary>
    protected TRecord Existing(string what) => state.State.Record ?? throw DomainException.NotFound(what);

    /// <summary>The record to change at <paramref name="expectedVersion"/> (none: the current one): 404, then 412 when stale.</summary>
    protected TRecord ExistingAt(long? expectedVersion, string what)
    {
        var current = Existing(what);
        CheckVersion(expectedVersion ?? state.State.Version);
        return current;
    }

    /// <summary>The change: one state write of the new record (null = deleted) with its event, then the hand-offs.</summary>
    protected Task Commit(TRecord? record, OutboxEvent evt) => Commit(record, [evt]);

    /// <summary>
    /// The change with several events. <paramref name="amend"/> sets a derived state's own fields on the new state
    /// (from the previous one), so they are part of the same write; <paramref name="audit"/> are its audit entries;
    /// <paramref name="result"/> is what the grain method returns (null: the record), kept for a keyed request's replay;
    /// <paramref name="ledger"/> are delegation ledger rows written in the same transaction where the storage can (a
    /// deal; elsewhere the deal appends them itself once this returns).
    /// </summary>
    protected async Task Commit(TRecord? record, IReadOnlyList<OutboxEvent> events, Action<TState, TState>? amend = null,
        IReadOnlyList<AuditEntry>? audit = null, object? result = null, IReadOnlyList<DelegationLedgerRow>? ledger = null)
    {
        var previous = state.State;
        var inTransaction = DerivedRowsInTransaction;
        var next = new TState
        {
            Record = record,
            Deleted = record is null,
            Version = previous.Version + 1,
            ProjectionVersion = previous.ProjectionVersion,
            Outbox = [.. previous.Outbox, .. events],
            AppliedKeys = AppliedKeysAfter(previous.AppliedKeys, result ?? record),
        };
        var derived = new DerivedRows
        {
            Upsert = record is null ? null : ToRow(record),
            Delete = record is null ? new ProjectionKey(Partition, ResourceType, ResourceId) : null,
            Audit = audit ?? [],
            Ledger = ledger ?? [],
        };
        if (inTransaction)
        {
            next.DerivedRows = derived;
            next.ProjectionVersion = next.Version;
        }
        amend?.Invoke(previous, next);
        state.State = next;
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
        finally
        {
            next.DerivedRows = null;
        }
        unsavedHandOffs = true;
        if (inTransaction)
        {
            await HandOnEvents(persistTrim: false);
            return;
        }
        // The hand-offs are independent of each other: run them side by side (latency is the slowest, not the sum).
        await Task.WhenAll(HandOnEvents(persistTrim: false), SyncProjection(), AfterCommit());
    }

    /// <summary>The keyed changes to keep after this one: the current request's added, expired and surplus ones dropped.</summary>
    private Dictionary<string, AppliedKey> AppliedKeysAfter(Dictionary<string, AppliedKey> before, object? result)
    {
        if (KeyedChanges.Current is null && before.Count == 0)
        {
            return before;
        }
        var now = ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow();
        var kept = before.Where(k => now - k.Value.At < IdempotencyPolicy.Retention)
            .OrderByDescending(k => k.Value.At)
            .Take(KeyedChanges.Current is null ? MaxAppliedKeys : MaxAppliedKeys - 1)
            .ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal);
        if (KeyedChanges.Current is { } keyed)
        {
            kept[keyed.Key] = new AppliedKey(keyed.Fingerprint, keyed.Method, result, now);
        }
        return kept;
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

    /// <summary>
    /// Runs timer work (the hand-off retries) exclusively of the grain's calls. A grain that runs one call at a time
    /// needs nothing more; a reentrant one with a gate of its own (the delegation) takes it here.
    /// </summary>
    protected virtual Task Exclusive(Func<Task> work) => work();

    /// <summary>A derived grain's own hand-off after a change whose derived rows were not in its transaction (e.g. the deal's audit entries).</summary>
    protected virtual Task AfterCommit() => Task.CompletedTask;

    public virtual async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != OutboxReminder)
        {
            return;
        }
        SalesboothMetrics.ReminderTick(reminderName);
        // The activation this tick caused has handed the stored outbox on already (OnActivateAsync); this also covers a
        // live activation whose timer has not succeeded yet.
        outboxReminderArmed = true;
        await HandOnEvents(persistTrim: true);
    }

    private async Task HandOnEvents(bool persistTrim)
    {
        switch (await OutboxRelay.DrainAsync(GrainFactory, Partition, state, s => s.Outbox, logger, GrainKey, persistTrim))
        {
            case OutboxDrain.Drained:
                eventRetry?.Dispose();
                eventRetry = null;
                await DisarmOutboxReminder();
                break;
            case OutboxDrain.RetryLater:
                eventRetry ??= this.RegisterGrainTimer(_ => Exclusive(() => HandOnEvents(persistTrim: true)), RetryDue, RetryPeriod);
                await ArmOutboxReminder();
                break;
            default:
                DeactivateOnIdle();
                break;
        }
    }

    private async Task ArmOutboxReminder()
    {
        if (outboxReminderArmed)
        {
            return;
        }
        try
        {
            await this.RegisterOrUpdateReminder(OutboxReminder, OutboxReminderDue, OutboxReminderPeriod);
            outboxReminderArmed = true;
        }
        catch (Exception ex)
        {
            // The reminder table is in the same PostgreSQL: the timer keeps retrying while this activation lives.
            logger.LogWarning(ex, "Arming the outbox reminder of {Resource} failed; the timer retries meanwhile", GrainKey);
        }
    }

    private async Task DisarmOutboxReminder()
    {
        if (!outboxReminderArmed)
        {
            return;
        }
        try
        {
            if (await this.GetReminder(OutboxReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
            outboxReminderArmed = false;
        }
        catch (Exception ex)
        {
            // Harmless: the next tick finds the outbox empty and tries again.
            logger.LogInformation(ex, "Removing the outbox reminder of {Resource} failed", GrainKey);
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
            projectionRetry ??= this.RegisterGrainTimer(ct => Exclusive(() => SyncProjection(ct)), RetryDue, RetryPeriod);
        }
    }
}
