using Grains.Events;
using Grains.Interfaces.Events;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Products;
using Grains.Interfaces.Projections;
using Grains.Projections;
using Grains.Resources;
using Microsoft.Extensions.Logging;

namespace Grains.Products;

/// <summary>
/// A product (key <c>{tenant}:{env}/{prod_id}</c>). Each change is one state write holding the new record and its
/// outbox event; then the events are handed to the tenant event log (<see cref="OutboxRelay"/>) and the projection row is upserted.
/// </summary>
public sealed class ProductGrain(
    [PersistentState("product")] IPersistentState<ProductState> state,
    IProjectionStore projections,
    IEnumerable<IProductReferences> references,
    TimeProvider time,
    ILogger<ProductGrain> logger) : ResourceGrain<ProductState, ProductView>(state, projections, logger), IProductGrain
{
    public async Task<ProductView> Create(ProductFields fields)
    {
        EnsureNew("A product");
        var product = ProductRecords.New(ResourceId, fields, time.GetUtcNow());
        await Commit(product, Outbox.Event("product.created", product.CreatedAt, new
        {
            id = product.Id, product_id = product.Id, name = product.Name, sku = product.Sku, price = product.Price,
            currency = product.Currency, type = product.Type, status = product.Status, created_at = product.CreatedAt,
        }));
        return product;
    }

    public Task<ProductView> Get(CancellationToken cancellationToken = default) => Task.FromResult(Existing());

    public async Task<ProductView> Update(ProductFields changes, long expectedVersion)
    {
        var current = ExistingAt(expectedVersion, What);
        var (next, changed) = ProductRecords.Apply(current, changes);
        if (changed.Count == 0)
        {
            return current;
        }
        var now = time.GetUtcNow();
        next = next with { Version = Current.Version + 1, UpdatedAt = now };
        await Commit(next, Outbox.Event("product.updated", now, new
        {
            id = next.Id, product_id = next.Id, name = next.Name, price = next.Price, currency = next.Currency,
            status = next.Status, changed_fields = changed, updated_at = now,
        }));
        return next;
    }

    public async Task Delete(long expectedVersion)
    {
        var current = ExistingAt(expectedVersion, What);
        foreach (var check in references)
        {
            if (await check.HasActiveDealReferences(Partition, current.Id))
            {
                throw DomainException.Conflict("conflict.product_in_use",
                    "The product is referenced by line items of active deals and cannot be deleted",
                    new ProductInUseDetails(current.Id));
            }
        }
        var now = time.GetUtcNow();
        await Commit(null, Outbox.Event("product.deleted", now, new { id = current.Id, product_id = current.Id, deleted_at = now }));
    }

    private const string What = "Product";

    private ProductView Existing() => Existing(What);

    protected override string ResourceType => ProductKeys.ResourceType;

    protected override ProjectionRow ToRow(ProductView record) => ProductRecords.ToRow(Partition, record);
}
