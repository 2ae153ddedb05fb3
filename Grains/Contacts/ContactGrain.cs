using Grains.Campaigns;
using Grains.Customers;
using Grains.Encryption;
using Grains.Events;
using Grains.Interfaces.Campaigns;
using Grains.Interfaces.Contacts;
using Grains.Interfaces.Customers;
using Grains.Interfaces.Events;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Projections;
using Grains.Projections;
using Grains.Resources;
using Microsoft.Extensions.Logging;

namespace Grains.Contacts;

/// <summary>
/// A contact (key <c>{tenant}:{env}/{con_id}</c>), the customer's shape: one state write per change with its events and
/// projection row; email uniqueness through <see cref="EmailClaims"/>; engagement scored by <see cref="EngagementFormula"/>.
/// </summary>
public sealed class ContactGrain(
    [PersistentState("contact")] IPersistentState<ContactState> state,
    IGrainFactory grains,
    IProjectionStore projections,
    TenantKeyCache keys,
    TimeProvider time,
    ILogger<ContactGrain> logger) : ResourceGrain<ContactState, ContactRecord>(state, projections, logger), IContactGrain
{
    private readonly EmailClaims emails = new(grains, logger, "contact");

    public async Task<ContactView> Create(ContactFields fields)
    {
        EnsureNew("A contact");
        await CheckReferences(fields);
        var view = ContactRecords.New(ResourceId, fields, time.GetUtcNow());
        var record = ContactRecords.Seal(view, null, null, await keys.ForTenant(TenantId), GrainKey);
        await emails.Creating(Partition, ResourceId, record.EmailIndex, () => Commit(record, Outbox.Event("contact.created", view.CreatedAt, Payload(view))));
        return view;
    }

    public async Task<ContactView> Get(CancellationToken cancellationToken = default) => await Opened();

    public async Task<ContactView> Update(ContactFields changes, long? expectedVersion)
    {
        var record = ExistingAt(expectedVersion, What);
        var current = await Opened();
        var (next, changed) = ContactRecords.Apply(current, changes);
        if (changed.Count == 0)
        {
            return current;
        }
        await CheckReferences(changes);
        var now = time.GetUtcNow();
        next = next with { Version = Current.Version + 1, UpdatedAt = now };
        var sealedRecord = ContactRecords.Seal(next, record, current, await keys.ForTenant(TenantId), GrainKey);
        await emails.Changing(Partition, ResourceId, record.EmailIndex, sealedRecord.EmailIndex, () => Commit(sealedRecord,
            Outbox.Event("contact.updated", now, new { id = next.Id, contact_id = next.Id, changed_fields = changed, updated_at = now })));
        return next;
    }

    public async Task Delete(long? expectedVersion)
    {
        var record = ExistingAt(expectedVersion, What);
        var now = time.GetUtcNow();
        await emails.Removing(Partition, ResourceId, record.EmailIndex,
            () => Commit(null, Outbox.Event("contact.deleted", now, new { id = record.Plain.Id, contact_id = record.Plain.Id, deleted_at = now })));
    }

    public async Task<ContactView> CreateCustomer(string customerId)
    {
        var current = await Opened();
        if (current.CustomerId is not null)
        {
            throw DomainException.Conflict("conflict.contact_already_linked", $"The contact is already linked to customer {current.CustomerId}");
        }
        string? company = null;
        if (current.AccountId is { } accountId)
        {
            company = (await grains.GetGrain<IAccountGrain>(AccountKeys.Grain(Partition, accountId)).Get()).Name;
        }
        await grains.GetGrain<ICustomerGrain>(CustomerKeys.Grain(Partition, customerId)).Create(new CustomerFields
        {
            Name = current.Name.Length > 0 ? current.Name : current.Email,
            Email = current.Email,
            Phone = current.Phone,
            Company = company,
        });
        return await Update(new ContactFields { CustomerId = customerId }, Current.Version);
    }

    public async Task<ContactView> RecordEngagement(EngagementSignal signal)
    {
        var current = await Opened();
        var next = ContactRecords.Engaged(current, signal) with { Version = Current.Version + 1, UpdatedAt = time.GetUtcNow() };
        List<OutboxEvent> events = [];
        if (next.EngagementScore != current.EngagementScore)
        {
            events.Add(Outbox.Event("contact.scored", signal.At, new
            {
                contact_id = next.Id, score = next.EngagementScore, previous_score = current.EngagementScore, tier = next.Tier,
            }));
        }
        if (next.Tier != current.Tier)
        {
            events.Add(Outbox.Event("contact.tiered", signal.At, new { contact_id = next.Id, tier = next.Tier, previous_tier = current.Tier }));
        }
        // A signal changes no PII: the sealed fields, email index and search tokens stay as stored (nothing to re-seal or re-hash).
        await Commit(ContactRecords.WithPlain(Existing(), next), events);
        opened = (Existing(), next);
        if (CampaignStops.Reason(signal.Kind) is { } reason)
        {
            // A reply, unsubscribe or hard bounce stops this contact in every campaign of the tenant (one-way: the
            // campaign shards may be reading this contact right now).
            await grains.GetGrain<ICampaignDirectoryGrain>(Partition).StopContact(next.Id, reason);
        }
        return next;
    }

    public Task<bool> HoldsEmail(string emailIndex) =>
        Task.FromResult(emails.InFlight(emailIndex) || Current.Record?.EmailIndex == emailIndex);

    protected override async Task<object?> ReplayResult(object? stored) =>
        stored is ContactRecord record ? ContactRecords.Open(record, await keys.ForTenant(TenantId), GrainKey) : stored;

    protected override string ResourceType => ContactKeys.ResourceType;

    protected override ProjectionRow ToRow(ContactRecord record) => ContactRecords.ToRow(Partition, record);

    private const string What = "Contact";

    private ContactRecord Existing() => Existing(What);

    // The stored record last opened and its view: a contact is read for every email sent to it, and its record only
    // changes on a write (a new record object), so the fields are decrypted once per change, not once per read.
    private (ContactRecord Record, ContactView View)? opened;

    private async Task<ContactView> Opened()
    {
        var record = Existing();
        if (opened is { } last && ReferenceEquals(last.Record, record))
        {
            return last.View;
        }
        var view = ContactRecords.Open(record, await keys.ForTenant(TenantId), GrainKey);
        opened = (record, view);
        return view;
    }

    /// <summary>A named account or customer must exist in the partition (else 400 naming the field).</summary>
    private async Task CheckReferences(ContactFields fields)
    {
        try
        {
            if (fields.AccountId is { } accountId)
            {
                await grains.GetGrain<IAccountGrain>(AccountKeys.Grain(Partition, accountId)).Get();
            }
        }
        catch (DomainException ex) when (ex.Code == DomainErrorCodes.NotFound)
        {
            throw DomainException.Invalid("account_id", "not_found", $"Account {fields.AccountId} not found");
        }
        try
        {
            if (fields.CustomerId is { } customerId)
            {
                await grains.GetGrain<ICustomerGrain>(CustomerKeys.Grain(Partition, customerId)).Get();
            }
        }
        catch (DomainException ex) when (ex.Code == DomainErrorCodes.NotFound)
        {
            throw DomainException.Invalid("customer_id", "not_found", $"Customer {fields.CustomerId} not found");
        }
    }

    private static object Payload(ContactView view) => new
    {
        id = view.Id, contact_id = view.Id, account_id = view.AccountId, status = view.Status,
        engagement_score = view.EngagementScore, tier = view.Tier, created_at = view.CreatedAt,
    };
}

/// <summary>Lists one partition's contacts from the projection and decrypts the page (stateless, keyed by partition).</summary>
[Orleans.Concurrency.StatelessWorker]
public sealed class ContactDirectoryGrain(IProjectionStore projections, TenantKeyCache keys) : Grain, IContactDirectoryGrain
{
    public async Task<ListPage<ContactView>> List(ListQuery query, CancellationToken cancellationToken = default)
    {
        var partition = this.GetPrimaryKeyString();
        var crypto = await keys.ForTenant(partition[..partition.IndexOf(':')]);
        return await CustomerSearch.ListAsync(projections, crypto, partition, ContactKeys.ResourceType, query,
            row => ContactRecords.Open(ContactRecords.FromDocument(row.Document), crypto, ContactKeys.Grain(partition, row.Id)), cancellationToken);
    }

    public async Task<string?> FindByLinkedinUrl(string linkedinUrl)
    {
        var partition = this.GetPrimaryKeyString();
        var crypto = await keys.ForTenant(partition[..partition.IndexOf(':')]);
        var page = await projections.QueryAsync(partition, ContactKeys.ResourceType, new ListQuery(Limit: 1),
            [ContactRecords.LinkedinIndex(linkedinUrl, crypto)]);
        return page.Items.FirstOrDefault()?.Id;
    }
}
