using System.Collections.Concurrent;
using System.Text.Json;
using Grains.Deals.Audit;
using Grains.Deals.Pricing;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Money;
using Grains.Interfaces.Platform;
using Microsoft.EntityFrameworkCore;

namespace DealPeer;

/// <summary>Customer and product ids known to exist per tenant: checked once against the database, then from memory.</summary>
public sealed class ReferenceCache
{
    public ConcurrentDictionary<(string Tenant, string Id), bool> Customers { get; } = new();

    public ConcurrentDictionary<(string Tenant, string Id), bool> Products { get; } = new();
}

/// <summary>
/// The deal flow the benchmark drives (create → add_item → transition), written the way an ASP.NET Core + EF Core team
/// would: load the aggregate, apply the rule, add the audit and outbox rows, one <c>SaveChangesAsync</c> (one
/// transaction, one batched round trip), optimistic concurrency on the deal's version.
/// </summary>
public static class DealEndpoints
{
    private static readonly Func<PeerDbContext, string, string, Task<Deal?>> LoadDeal = EF.CompileAsyncQuery(
        (PeerDbContext db, string tenant, string id) => db.Deals.Include(d => d.Items).FirstOrDefault(d => d.Id == id && d.Tenant == tenant));

    private static readonly Func<PeerDbContext, string, string, Task<bool>> CustomerExists = EF.CompileAsyncQuery(
        (PeerDbContext db, string tenant, string id) => db.Customers.Any(c => c.Id == id && c.Tenant == tenant));

    private static readonly Func<PeerDbContext, string, string, Task<bool>> ProductExists = EF.CompileAsyncQuery(
        (PeerDbContext db, string tenant, string id) => db.Products.Any(p => p.Id == id && p.Tenant == tenant));

    private static readonly string[] EditableStatuses = [DealStatuses.Draft, DealStatuses.InProgress];

    public static void MapDealFlow(this WebApplication app)
    {
        app.MapPost("/v1/deals", async (HttpContext http, PeerDbContext db, ReferenceCache cache, TimeProvider time, CancellationToken ct) =>
        {
            var tenant = PeerAuth.Tenant(http);
            var id = http.Request.Query["id"].ToString();
            return http.Request.Query["action"].ToString() switch
            {
                "" when id.Length == 0 => await Create(http, db, cache, time, tenant, ct),
                "add_item" => await AddItem(http, db, cache, time, tenant, id, ct),
                "transition" => await Transition(http, db, time, tenant, id, ct),
                var other => Error(400, "invalid_action", $"Unknown action '{other}'."),
            };
        });
        app.MapPost("/v1/customers", async (HttpContext http, PeerDbContext db, ReferenceCache cache, CancellationToken ct) =>
        {
            var tenant = PeerAuth.Tenant(http);
            var body = await ReadAsync(http, PeerJson.Default.CreateCustomerRequest, ct);
            if (body is not { Name.Length: > 0, Email.Length: > 0 })
            {
                return Error(400, "validation_error", "name and email are required.");
            }
            var customer = new Customer { Id = ResourceIds.New("cust"), Tenant = tenant, Name = body.Name, Email = body.Email, Company = body.Company };
            db.Customers.Add(customer);
            await db.SaveChangesAsync(ct);
            cache.Customers[(tenant, customer.Id)] = true;
            return Results.Json(new Envelope<CustomerData>(true, new CustomerData(customer)), PeerJson.Default.EnvelopeCustomerData, statusCode: 201);
        });
        app.MapPost("/v1/products", async (HttpContext http, PeerDbContext db, ReferenceCache cache, CancellationToken ct) =>
        {
            var tenant = PeerAuth.Tenant(http);
            var body = await ReadAsync(http, PeerJson.Default.CreateProductRequest, ct);
            if (body is not { Name.Length: > 0, Price: >= 0m })
            {
                return Error(400, "validation_error", "name and a price ≥ 0 are required.");
            }
            var product = new Product { Id = ResourceIds.New("prod"), Tenant = tenant, Name = body.Name, Price = body.Price.Value, Type = body.Type ?? "service" };
            db.Products.Add(product);
            await db.SaveChangesAsync(ct);
            cache.Products[(tenant, product.Id)] = true;
            return Results.Json(new Envelope<ProductData>(true, new ProductData(product)), PeerJson.Default.EnvelopeProductData, statusCode: 201);
        });
    }

    private static async Task<IResult> Create(HttpContext http, PeerDbContext db, ReferenceCache cache, TimeProvider time, string tenant, CancellationToken ct)
    {
        var body = await ReadAsync(http, PeerJson.Default.CreateDealRequest, ct);
        if (body is null)
        {
            return Error(400, "invalid_json", "The body is not a JSON object.");
        }
        if (body.Title is not { Length: > 0 and <= 255 })
        {
            return Error(400, "validation_error", "title is required (at most 255 characters).");
        }
        var currency = body.Currency ?? "USD";
        if (!Currencies.IsKnown(currency))
        {
            return Error(400, "validation_error", $"Unknown currency '{currency}'.");
        }
        if (body.TaxRate is < 0m or > 1m)
        {
            return Error(400, "validation_error", "tax_rate must be a fraction between 0 and 1.");
        }
        if (body.CustomerId is not { Length: > 0 } customerId || !await Exists(cache.Customers, tenant, customerId, CustomerExists, db))
        {
            return Error(404, "customer_not_found", "The customer does not exist.");
        }
        var now = time.GetUtcNow();
        var deal = new Deal
        {
            Id = ResourceIds.New(DealKeys.IdPrefix), Tenant = tenant, CustomerId = customerId, Title = body.Title, Currency = currency,
            TaxRate = body.TaxRate ?? 0m, Status = DealStatuses.Draft, Version = 1, AuditHead = AuditChain.GenesisHash, CreatedAt = now, UpdatedAt = now,
        };
        Price(deal);
        var view = View(deal);
        var snapshot = JsonSerializer.Serialize(view, PeerJson.Default.DealResponse);
        db.Deals.Add(deal);
        Audit(db, deal, "deal.created", snapshot, snapshot, now);
        Publish(db, deal, "deal.created", snapshot, now);
        await db.SaveChangesAsync(ct);
        return Results.Json(new Envelope<DealData>(true, new DealData(view)), PeerJson.Default.EnvelopeDealData, statusCode: 201);
    }

    private static async Task<IResult> AddItem(HttpContext http, PeerDbContext db, ReferenceCache cache, TimeProvider time, string tenant, string id,
        CancellationToken ct)
    {
        var body = await ReadAsync(http, PeerJson.Default.AddItemRequest, ct);
        if (body is not { ProductId.Length: > 0, Name.Length: > 0, UnitPrice: >= 0m, Quantity: >= 1 })
        {
            return Error(400, "validation_error", "product_id, name, unit_price ≥ 0 and quantity ≥ 1 are required.");
        }
        var deal = await LoadDeal(db, tenant, id);
        if (deal is null)
        {
            return Error(404, "deal_not_found", "The deal does not exist.");
        }
        if (!EditableStatuses.Contains(deal.Status))
        {
            return Error(409, "deal_not_editable", $"A deal in status {deal.Status} cannot change its items.");
        }
        if (!await Exists(cache.Products, tenant, body.ProductId, ProductExists, db))
        {
            return Error(404, "product_not_found", "The product does not exist.");
        }
        var now = time.GetUtcNow();
        var item = new DealItem
        {
            Id = ResourceIds.New("item"), DealId = deal.Id, Position = deal.Items.Count, ProductId = body.ProductId, Name = body.Name,
            UnitPrice = body.UnitPrice.Value, Quantity = body.Quantity.Value,
        };
        deal.Items.Add(item);
        Price(deal);
        var added = new ItemAdded(deal.Id, item.Id, item.ProductId, item.Quantity, MoneyFormat.Amount(item.UnitPrice, deal.Currency),
            MoneyFormat.Amount(item.LineTotal, deal.Currency), MoneyFormat.Amount(deal.Total, deal.Currency));
        return await Commit(db, deal, "deal.item_added", JsonSerializer.Serialize(added, PeerJson.Default.ItemAdded), now, ct);
    }

    private static async Task<IResult> Transition(HttpContext http, PeerDbContext db, TimeProvider time, string tenant, string id, CancellationToken ct)
    {
        var target = http.Request.Query["status"].ToString();
        if (!DealStateMachine.Targets.Contains(target))
        {
            return Error(400, "validation_error", $"Unknown status '{target}'.");
        }
        var deal = await LoadDeal(db, tenant, id);
        if (deal is null)
        {
            return Error(404, "deal_not_found", "The deal does not exist.");
        }
        var move = DealStateMachine.Find(deal.Status, target, DealStateMachine.TransitionAction);
        if (move is null)
        {
            return Error(409, "invalid_transition", $"A deal cannot move from {deal.Status} to {target}.");
        }
        var unmet = move.Conditions.Where(c => !Holds(deal, c)).ToArray();
        if (unmet.Length > 0)
        {
            return Error(409, "transition_conditions_unmet", $"Unmet: {string.Join(", ", unmet)}.");
        }
        var changed = new StatusChanged(deal.Id, deal.Status, target);
        deal.Status = target;
        return await Commit(db, deal, "deal.status_changed", JsonSerializer.Serialize(changed, PeerJson.Default.StatusChanged), time.GetUtcNow(), ct);
    }

    /// <summary>A change to a loaded deal: version, audit entry and outbox event, saved in one transaction.</summary>
    private static async Task<IResult> Commit(PeerDbContext db, Deal deal, string action, string changesJson, DateTimeOffset now, CancellationToken ct)
    {
        deal.Version++;
        deal.UpdatedAt = now;
        var view = View(deal);
        Audit(db, deal, action, changesJson, JsonSerializer.Serialize(view, PeerJson.Default.DealResponse), now);
        Publish(db, deal, action, changesJson, now);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Error(409, "version_conflict", "The deal changed meanwhile; read it again and retry.");
        }
        return Results.Json(new Envelope<DealData>(true, new DealData(view)), PeerJson.Default.EnvelopeDealData);
    }

    private static void Price(Deal deal)
    {
        var price = DealPricer.Price(deal.Currency, deal.TaxRate,
            [.. deal.Items.OrderBy(i => i.Position).Select(i => new PriceLine(i.Id, i.UnitPrice, i.Quantity))], []);
        foreach (var line in price.Lines)
        {
            deal.Items.First(i => i.Id == line.ItemId).LineTotal = line.LineTotal;
        }
        (deal.Subtotal, deal.DiscountTotal, deal.Tax, deal.Total) = (price.Subtotal, price.DiscountTotal, price.Tax, price.Total);
    }

    private static void Audit(PeerDbContext db, Deal deal, string action, string changesJson, string snapshotJson, DateTimeOffset now)
    {
        var previous = deal.AuditHead;
        deal.AuditSequence++;
        deal.AuditHead = AuditChain.Hash("deal", deal.Id, action, changesJson, snapshotJson, previous, now);
        db.AuditLog.Add(new AuditRecord
        {
            Id = ResourceIds.New("audit"), Tenant = deal.Tenant, EntityType = "deal", EntityId = deal.Id, Sequence = deal.AuditSequence, Action = action,
            Actor = "api_key", ChangesJson = changesJson, SnapshotJson = snapshotJson, PreviousHash = previous, EntryHash = deal.AuditHead, CreatedAt = now,
        });
    }

    private static void Publish(PeerDbContext db, Deal deal, string eventType, string payload, DateTimeOffset now) =>
        db.Outbox.Add(new OutboxMessage { Id = Guid.CreateVersion7(now), Tenant = deal.Tenant, EventType = eventType, AggregateId = deal.Id, Payload = payload, CreatedAt = now });

    private static bool Holds(Deal deal, string condition) => condition switch
    {
        DealConditions.HasCustomer => deal.CustomerId.Length > 0,
        DealConditions.HasLineItems => deal.Items.Count > 0,
        // No signatures or escrow in the peer's flow.
        DealConditions.Unsigned or DealConditions.NoHeldEscrow => true,
        _ => false,
    };

    private static DealResponse View(Deal deal) => new(deal.Id, deal.Id, deal.CustomerId, deal.Title, deal.Status, deal.Currency, deal.TaxRate,
        [.. deal.Items.OrderBy(i => i.Position).Select(i => new ItemResponse(i.Id, i.ProductId, i.Name, MoneyFormat.Amount(i.UnitPrice, deal.Currency),
            i.Quantity, MoneyFormat.Amount(i.LineTotal, deal.Currency)))],
        MoneyFormat.Amount(deal.Subtotal, deal.Currency), MoneyFormat.Amount(deal.DiscountTotal, deal.Currency),
        MoneyFormat.Amount(deal.Tax, deal.Currency), MoneyFormat.Amount(deal.Total, deal.Currency), deal.Version, deal.CreatedAt, deal.UpdatedAt);

    private static async Task<bool> Exists(ConcurrentDictionary<(string, string), bool> cache, string tenant, string id,
        Func<PeerDbContext, string, string, Task<bool>> query, PeerDbContext db)
    {
        if (cache.ContainsKey((tenant, id)))
        {
            return true;
        }
        if (!await query(db, tenant, id))
        {
            return false;
        }
        cache[(tenant, id)] = true;
        return true;
    }

    private static async Task<T?> ReadAsync<T>(HttpContext http, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken ct)
        where T : class
    {
        try
        {
            return await http.Request.ReadFromJsonAsync(type, ct);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static IResult Error(int status, string code, string message) =>
        Results.Json(new ErrorEnvelope(false, new ErrorBody(code, message)), PeerJson.Default.ErrorEnvelope, statusCode: status);
}
