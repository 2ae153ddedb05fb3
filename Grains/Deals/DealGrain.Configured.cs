using Grains.Interfaces.Customers;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Idempotency;
using Grains.Interfaces.Platform;
using Grains.Platform;

namespace Grains.Deals;

/// <summary>create-configured: one deal from a whole configuration, its inline customer matched or created first.</summary>
public sealed partial class DealGrain
{
    public async Task<DealView> CreateConfigured(DealConfiguration configuration, bool dryRun, DealActor actor)
    {
        var (fields, items, discounts, terms, customer) = configuration;
        if (customer is not null)
        {
            // Items, discounts and terms are checked before the customer is created, so a refusal leaves nothing behind.
            await CreateWith(fields, items, discounts, terms, dryRun: true, actor);
            fields = fields with { CustomerId = await CustomerFor(customer, dryRun) };
        }
        return await CreateWith(fields, items, discounts, terms, dryRun, actor);
    }

    /// <summary>The tenant's customer with this email, created when there is none (a dry run creates nothing).</summary>
    private async Task<string?> CustomerFor(CustomerFields customer, bool dryRun)
    {
        var existing = await GrainFactory.GetGrain<ICustomerDirectoryGrain>(Partition).FindByEmail(customer.Email!);
        if (existing is not null || dryRun)
        {
            return existing;
        }
        // A keyed request's retry makes the same customer (whose grain then replays), never a second one.
        var id = KeyedChanges.Current is { } keyed
            ? ResourceIds.Derived(CustomerKeys.IdPrefix, $"{keyed.Key}\n{keyed.Fingerprint}\ncustomer:{ResourceId}")
            : ResourceIds.New(CustomerKeys.IdPrefix);
        var created = await GrainFactory.GetGrain<ICustomerGrain>(CustomerKeys.Grain(Partition, id)).Create(customer);
        return created.Id;
    }
}
