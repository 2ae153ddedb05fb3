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
        IReadOnlyList<string>? tokens = null;
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            tokens = CustomerSearch.QueryTokens(query.Search, crypto);
            if (tokens.Count == 0)
            {
                // Only punctuation: nothing can match a token-exact search.
                return new ListPage<CustomerView>([], 0, null, null, false);
            }
        }
        var page = await projections.QueryAsync(partition, CustomerKeys.ResourceType, query, tokens, cancellationToken);
        var items = page.Items
            .Select(row => CustomerRecords.Open(CustomerRecords.FromDocument(row.Document), crypto, CustomerKeys.Grain(partition, row.Id)))
            .ToList();
        return new ListPage<CustomerView>(items, page.Total, page.NextCursor, page.PrevCursor, page.HasMore);
    }

    public async Task<string?> FindByEmail(string email, CancellationToken cancellationToken = default)
    {
        var partition = this.GetPrimaryKeyString();
        var crypto = await keys.ForTenant(partition[..partition.IndexOf(':')]);
        var index = CustomerRecords.EmailIndex(email, crypto);
        return await GrainFactory.GetGrain<IEmailReservationGrain>(EmailReservationGrain.Key(partition, index)).Holder();
    }
}
