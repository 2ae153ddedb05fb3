using Grains.Encryption;
using Grains.Events;
using Grains.Interfaces.Customers;
using Grains.Interfaces.Events;
using Grains.Interfaces.Platform;
using Grains.Projections;
using Microsoft.Extensions.Logging;

namespace Grains.Customers;

/// <summary>
/// A customer (key <c>{tenant}:{env}/{cust_id}</c>). Each change is one state write holding the new record and its
/// outbox event; then the events are handed to the tenant event log (<see cref="OutboxRelay"/>) and the projection row is
/// upserted. Email uniqueness goes through <see cref="EmailReservationGrain"/>.
/// </summary>
public sealed class CustomerGrain(
    [PersistentState("customer")] IPersistentState<CustomerState> state,
    IGrainFactory grains,
    IProjectionStore projections,
    TenantKeyCache keys,
    TimeProvider time,
    ILogger<CustomerGrain> logger) : Grain, ICustomerGrain
{
    private static readonly TimeSpan ProjectionRetryDue = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ProjectionRetryPeriod = TimeSpan.FromSeconds(30);

    // Email indexes being claimed or given up by the change in progress: until its write settles, the reservation
    // must see them as ours, or a concurrent create could take an email this customer may still end up with.
    private readonly HashSet<string> emailsInFlight = new(StringComparer.Ordinal);
    private IGrainTimer? projectionRetry;
    private IGrainTimer? eventRetry;

    private string GrainKey => this.GetPrimaryKeyString();
    private string Partition => GrainKey[..GrainKey.IndexOf('/')];
    private string CustomerId => GrainKey[(GrainKey.IndexOf('/') + 1)..];
    private string TenantId => Partition[..Partition.IndexOf(':')];

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Events a crash kept from being handed on are still in the persisted outbox.
        await HandOnEvents();
        if (state.State.ProjectionVersion < state.State.Version)
        {
            await SyncProjection(cancellationToken);
        }
    }

    public async Task<CustomerView> Create(CustomerFields fields)
    {
        if (state.State.Version > 0)
        {
            throw DomainException.Conflict("conflict.already_exists", "A customer with this id already exists");
        }
        var view = CustomerRecords.New(CustomerId, fields, time.GetUtcNow());
        var crypto = await keys.ForTenant(TenantId);
        var record = CustomerRecords.Seal(view, null, null, crypto, GrainKey);
        await ClaimEmail(record.EmailIndex);
        try
        {
            await Commit(record, Outbox.Event("customer.created", view.CreatedAt,
                new { id = view.Id, customer_id = view.Id, company = view.Company, status = view.Status, created_at = view.CreatedAt }));
        }
        finally
        {
            // On a failed write the reservation stays: it heals itself (HoldsEmail answers false from now on).
            emailsInFlight.Remove(record.EmailIndex);
        }
        await HandOnEvents();
        await SyncProjection();
        return view;
    }

    public async Task<CustomerView> Get(CancellationToken cancellationToken = default)
    {
        var record = Existing();
        return CustomerRecords.Open(record, await keys.ForTenant(TenantId), GrainKey);
    }

    public async Task<CustomerView> Update(CustomerFields changes, long expectedVersion)
    {
        var record = Existing();
        CheckVersion(expectedVersion);
        var crypto = await keys.ForTenant(TenantId);
        var current = CustomerRecords.Open(record, crypto, GrainKey);
        var (next, changed) = CustomerRecords.Apply(current, changes);
        if (changed.Count == 0)
        {
            return current;
        }
        var now = time.GetUtcNow();
        next = next with { Version = state.State.Version + 1, UpdatedAt = now };
        var sealedRecord = CustomerRecords.Seal(next, record, current, crypto, GrainKey);
        var emailChanged = sealedRecord.EmailIndex != record.EmailIndex;
        if (emailChanged)
        {
            await ClaimEmail(sealedRecord.EmailIndex);
        }
        emailsInFlight.Add(record.EmailIndex);
        try
        {
            await Commit(sealedRecord, Outbox.Event("customer.updated", now, new
            {
                id = next.Id, customer_id = next.Id, company = next.Company, status = next.Status,
                changed_fields = changed, updated_at = now,
            }));
        }
        finally
        {
            emailsInFlight.Remove(record.EmailIndex);
            emailsInFlight.Remove(sealedRecord.EmailIndex);
        }
        if (emailChanged)
        {
            await ReleaseEmail(record.EmailIndex);
        }
        await HandOnEvents();
        await SyncProjection();
        return next;
    }

    public async Task Delete(long expectedVersion)
    {
        var record = Existing();
        CheckVersion(expectedVersion);
        var now = time.GetUtcNow();
        emailsInFlight.Add(record.EmailIndex);
        try
        {
            await Commit(null, Outbox.Event("customer.deleted", now, new { id = record.Id, customer_id = record.Id, deleted_at = now }));
        }
        finally
        {
            emailsInFlight.Remove(record.EmailIndex);
        }
        await ReleaseEmail(record.EmailIndex);
        await HandOnEvents();
        await SyncProjection();
    }

    public Task<bool> HoldsEmail(string emailIndex) =>
        Task.FromResult(emailsInFlight.Contains(emailIndex) || state.State.Record?.EmailIndex == emailIndex);

    public Task<IReadOnlyList<OutboxEvent>> PendingEvents() => Task.FromResult<IReadOnlyList<OutboxEvent>>([.. state.State.Outbox]);

    private CustomerRecord Existing() => state.State.Record ?? throw DomainException.NotFound("Customer");

    private void CheckVersion(long expected)
    {
        if (expected != state.State.Version)
        {
            throw DomainException.StaleVersion(state.State.Version);
        }
    }

    private async Task ClaimEmail(string emailIndex)
    {
        emailsInFlight.Add(emailIndex);
        var claimed = false;
        try
        {
            claimed = await grains.GetGrain<IEmailReservationGrain>(EmailReservationGrain.Key(Partition, emailIndex)).Claim(CustomerId);
        }
        finally
        {
            if (!claimed)
            {
                emailsInFlight.Remove(emailIndex);
            }
        }
        if (!claimed)
        {
            throw DomainException.Conflict("conflict.duplicate_email", "A customer with this email already exists",
                """{"field":"email"}""");
        }
    }

    /// <summary>Best effort: a reservation left behind is stale and heals on the next claim.</summary>
    private async Task ReleaseEmail(string emailIndex)
    {
        try
        {
            await grains.GetGrain<IEmailReservationGrain>(EmailReservationGrain.Key(Partition, emailIndex)).Release(CustomerId);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not release an email reservation of {Customer}; it heals on the next claim", GrainKey);
        }
    }

    /// <summary>One state write: the new record (null = deleted) and its event. All or nothing.</summary>
    private async Task Commit(CustomerRecord? record, OutboxEvent evt)
    {
        var previous = state.State;
        state.State = new CustomerState
        {
            Record = record,
            Deleted = record is null,
            Version = previous.Version + 1,
            ProjectionVersion = previous.ProjectionVersion,
            Outbox = [.. previous.Outbox, evt],
        };
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // The write may or may not have landed: forget this activation and read the truth next time.
            state.State = previous;
            DeactivateOnIdle();
            throw;
        }
    }

    /// <summary>
    /// Hands the outbox to the partition's event log and trims it (<see cref="OutboxRelay"/>). A failure does not fail
    /// the change: a timer retries while the grain is active, and the next activation hands on what is still pending.
    /// </summary>
    private async Task HandOnEvents()
    {
        switch (await OutboxRelay.DrainAsync(GrainFactory, Partition, state, s => s.Outbox, logger, GrainKey))
        {
            case OutboxDrain.Drained:
                eventRetry?.Dispose();
                eventRetry = null;
                break;
            case OutboxDrain.RetryLater:
                eventRetry ??= this.RegisterGrainTimer(_ => HandOnEvents(), ProjectionRetryDue, ProjectionRetryPeriod);
                break;
            default:
                DeactivateOnIdle();
                break;
        }
    }

    /// <summary>
    /// Brings the projection row to the current version. A failure does not fail the change (it is persisted):
    /// a timer retries while the grain is active, and the next activation retries because the persisted
    /// <see cref="CustomerState.ProjectionVersion"/> is behind.
    /// </summary>
    private async Task SyncProjection(CancellationToken cancellationToken = default)
    {
        var version = state.State.Version;
        try
        {
            if (state.State.Record is { } record)
            {
                await projections.UpsertAsync(CustomerRecords.ToRow(Partition, record), cancellationToken);
            }
            else
            {
                await projections.DeleteAsync(Partition, CustomerKeys.ResourceType, CustomerId, cancellationToken);
            }
            state.State.ProjectionVersion = Math.Max(state.State.ProjectionVersion, version);
            projectionRetry?.Dispose();
            projectionRetry = null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Projection of {Customer} v{Version} failed; retrying", GrainKey, version);
            projectionRetry ??= this.RegisterGrainTimer(ct => SyncProjection(ct), ProjectionRetryDue, ProjectionRetryPeriod);
        }
    }
}
