using Grains.Encryption;
using Grains.Events;
using Grains.Interfaces.Customers;
using Grains.Interfaces.Events;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Projections;
using Grains.Projections;
using Grains.Resources;
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
    ILogger<CustomerGrain> logger) : ResourceGrain<CustomerState, CustomerRecord>(state, projections, logger), ICustomerGrain
{
    private readonly EmailClaims emails = new(grains, logger, "customer");

    public async Task<CustomerView> Create(CustomerFields fields)
    {
        EnsureNew("A customer");
        var view = CustomerRecords.New(ResourceId, fields, time.GetUtcNow());
        var crypto = await keys.ForTenant(TenantId);
        var record = CustomerRecords.Seal(view, null, null, crypto, GrainKey);
        // On a failed write the reservation stays: it heals itself (HoldsEmail answers false from now on).
        await emails.Creating(Partition, ResourceId, record.EmailIndex, () => Commit(record, Outbox.Event("customer.created", view.CreatedAt,
            new { id = view.Id, customer_id = view.Id, company = view.Company, status = view.Status, created_at = view.CreatedAt })));
        return view;
    }

    public async Task<CustomerView> Get(CancellationToken cancellationToken = default)
    {
        var record = Existing();
        return CustomerRecords.Open(record, await keys.ForTenant(TenantId), GrainKey);
    }

    public async Task<CustomerView> Update(CustomerFields changes, long expectedVersion)
    {
        var record = ExistingAt(expectedVersion, What);
        var crypto = await keys.ForTenant(TenantId);
        var current = CustomerRecords.Open(record, crypto, GrainKey);
        var (next, changed) = CustomerRecords.Apply(current, changes);
        if (changed.Count == 0)
        {
            return current;
        }
        var now = time.GetUtcNow();
        next = next with { Version = Current.Version + 1, UpdatedAt = now };
        var sealedRecord = CustomerRecords.Seal(next, record, current, crypto, GrainKey);
        await emails.Changing(Partition, ResourceId, record.EmailIndex, sealedRecord.EmailIndex, () => Commit(sealedRecord, Outbox.Event("customer.updated", now, new
        {
            id = next.Id, customer_id = next.Id, company = next.Company, status = next.Status,
            changed_fields = changed, updated_at = now,
        })));
        return next;
    }

    public async Task Delete(long expectedVersion)
    {
        var record = ExistingAt(expectedVersion, What);
        var now = time.GetUtcNow();
        await emails.Removing(Partition, ResourceId, record.EmailIndex,
            () => Commit(null, Outbox.Event("customer.deleted", now, new { id = record.Id, customer_id = record.Id, deleted_at = now })));
    }

    /// <summary>A keyed change's stored result is the sealed record (PII encrypted); the methods return it opened.</summary>
    protected override async Task<object?> ReplayResult(object? stored) =>
        stored is CustomerRecord record ? CustomerRecords.Open(record, await keys.ForTenant(TenantId), GrainKey) : stored;

    public Task<bool> HoldsEmail(string emailIndex) =>
        Task.FromResult(emails.InFlight(emailIndex) || Current.Record?.EmailIndex == emailIndex);

    private const string What = "Customer";

    private CustomerRecord Existing() => Existing(What);

    protected override string ResourceType => CustomerKeys.ResourceType;

    protected override ProjectionRow ToRow(CustomerRecord record) => CustomerRecords.ToRow(Partition, record);
}
