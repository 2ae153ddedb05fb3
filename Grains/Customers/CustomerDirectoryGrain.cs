using Grains.Encryption;
using Grains.Interfaces.Customers;
using Grains.Interfaces.Projections;
using Grains.Projections;
using Orleans.Concurrency;

namespace Grains.Customers;

/// <summary>
/// Lists one partition's customers from the projection: hashes the search into blind-index tokens, queries the
/// store and decrypts the page. Stateless and keyed by partition, so list traffic spreads over local workers.
/// </summary>
[StatelessWorker]
public sealed class CustomerDirectoryGrain(IProjectionStore projections, TenantKeyCache keys) : Grain, ICustomerDirectoryGrain
{
    public async Task<ListPage<CustomerView>> List(ListQuery query, CancellationToken cancellationToken = default)
    {
        var partition = this.GetPrimaryKeyString();
        var crypto = await keys.ForTenant(partition[..partition.IndexOf(':')]);
        return await CustomerSearch.ListAsync(projections, crypto, partition, CustomerKeys.ResourceType, query,
            row => CustomerRecords.Open(CustomerRecords.FromDocument(row.Document), crypto, CustomerKeys.Grain(partition, row.Id)), cancellationToken);
    }

    public async Task<string?> FindByEmail(string email, CancellationToken cancellationToken = default)
    {
        var partition = this.GetPrimaryKeyString();
        var crypto = await keys.ForTenant(partition[..partition.IndexOf(':')]);
        var index = CustomerRecords.EmailIndex(email, crypto);
        return await GrainFactory.GetGrain<IEmailReservationGrain>(EmailReservationGrain.Key(partition, index)).Holder();
    }
}
