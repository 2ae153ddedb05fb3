using Grains.Events;
using Grains.Interfaces.Events;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Products;
using Grains.Projections;
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
    ILogger<ProductGrain> logger) : Grain, IProductGrain
{
    private static readonly TimeSpan ProjectionRetryDue = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ProjectionRetryPeriod = TimeSpan.FromSeconds(30);

    private IGrainTimer? projectionRetry;
    private IGrainTimer? eventRetry;

    private string GrainKey => this.GetPrimaryKeyString();
    private string Partition => GrainKey[..GrainKey.IndexOf('/')];
    private string ProductId => GrainKey[(GrainKey.IndexOf('/') + 1)..];

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Events a crash kept from being handed on are still in the persisted outbox.
        await HandOnEvents();
        if (state.State.ProjectionVersion < state.State.Version)
        {
            await SyncProjection(cancellationToken);
        }
    }

    public async Task<ProductView> Create(ProductFields fields)
    {
        if (state.State.Version > 0)
        {
            throw DomainException.Conflict("conflict.already_exists", "A product with this id already exists");
        }
        var product = ProductRecords.New(ProductId, fields, time.GetUtcNow());
        await Commit(product, Outbox.Event("product.created", product.CreatedAt, new
        {
            id = product.Id, product_id = product.Id, name = product.Name, sku = product.Sku, price = product.Price,
            currency = product.Currency, type = product.Type, status = product.Status, created_at = product.CreatedAt,
        }));
        await HandOnEvents();
        await SyncProjection();
        return product;
    }

    public Task<ProductView> Get(CancellationToken cancellationToken = default) => Task.FromResult(Existing());

    public async Task<ProductView> Update(ProductFields changes, long expectedVersion)
    {
        var current = Existing();
        CheckVersion(expectedVersion);
        var (next, changed) = ProductRecords.Apply(current, changes);
        if (changed.Count == 0)
        {
            return current;
        }
        var now = time.GetUtcNow();
        next = next with { Version = state.State.Version + 1, UpdatedAt = now };
        await Commit(next, Outbox.Event("product.updated", now, new
        {
            id = next.Id, product_id = next.Id, name = next.Name, price = next.Price, currency = next.Currency,
            status = next.Status, changed_fields = changed, updated_at = now,
        }));
        await HandOnEvents();
        await SyncProjection();
        return next;
    }

    public async Task Delete(long expectedVersion)
    {
        var current = Existing();
        CheckVersion(expectedVersion);
        foreach (var check in references)
        {
            if (await check.HasActiveDealReferences(Partition, current.Id))
            {
                throw DomainException.Conflict("conflict.product_in_use",
                    "The product is referenced by line items of active deals and cannot be deleted",
                    $$"""{"product_id":"{{current.Id}}"}""");
            }
        }
        var now = time.GetUtcNow();
        await Commit(null, Outbox.Event("product.deleted", now, new { id = current.Id, product_id = current.Id, deleted_at = now }));
        await HandOnEvents();
        await SyncProjection();
    }

    public Task<IReadOnlyList<OutboxEvent>> PendingEvents() => Task.FromResult<IReadOnlyList<OutboxEvent>>([.. state.State.Outbox]);

    private ProductView Existing() => state.State.Record ?? throw DomainException.NotFound("Product");

    private void CheckVersion(long expected)
    {
        if (expected != state.State.Version)
        {
            throw DomainException.StaleVersion(state.State.Version);
        }
    }

    /// <summary>One state write: the new record (null = deleted) and its event. All or nothing.</summary>
    private async Task Commit(ProductView? record, OutboxEvent evt)
    {
        var previous = state.State;
        state.State = new ProductState
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
    /// <see cref="ProductState.ProjectionVersion"/> is behind.
    /// </summary>
    private async Task SyncProjection(CancellationToken cancellationToken = default)
    {
        var version = state.State.Version;
        try
        {
            if (state.State.Record is { } record)
            {
                await projections.UpsertAsync(ProductRecords.ToRow(Partition, record), cancellationToken);
            }
            else
            {
                await projections.DeleteAsync(Partition, ProductKeys.ResourceType, ProductId, cancellationToken);
            }
            state.State.ProjectionVersion = Math.Max(state.State.ProjectionVersion, version);
            projectionRetry?.Dispose();
            projectionRetry = null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Projection of {Product} v{Version} failed; retrying", GrainKey, version);
            projectionRetry ??= this.RegisterGrainTimer(ct => SyncProjection(ct), ProjectionRetryDue, ProjectionRetryPeriod);
        }
    }
}
