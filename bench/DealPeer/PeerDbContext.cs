using Microsoft.EntityFrameworkCore;

namespace DealPeer;

/// <summary>
/// The peer's model: deals with their line items, the hash-chained audit log, the transactional outbox, and the
/// customers, products and API keys the requests check. Plain EF Core conventions; tables prefixed <c>peer_</c> so the
/// peer can share the bench database with the product without touching its tables.
/// </summary>
public sealed class PeerDbContext(DbContextOptions<PeerDbContext> options) : DbContext(options)
{
    public DbSet<Deal> Deals => Set<Deal>();

    public DbSet<AuditRecord> AuditLog => Set<AuditRecord>();

    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();

    public DbSet<Customer> Customers => Set<Customer>();

    public DbSet<Product> Products => Set<Product>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<Deal>(deal =>
        {
            deal.ToTable("peer_deals");
            deal.Property(d => d.Version).IsConcurrencyToken();
            deal.HasMany(d => d.Items).WithOne().HasForeignKey(i => i.DealId);
            deal.Navigation(d => d.Items).AutoInclude(false);
            deal.Property(d => d.TaxRate).HasPrecision(9, 6);
            deal.Property(d => d.Subtotal).HasPrecision(19, 4);
            deal.Property(d => d.DiscountTotal).HasPrecision(19, 4);
            deal.Property(d => d.Tax).HasPrecision(19, 4);
            deal.Property(d => d.Total).HasPrecision(19, 4);
        });
        model.Entity<DealItem>(item =>
        {
            item.ToTable("peer_deal_items");
            item.Property(i => i.UnitPrice).HasPrecision(19, 4);
            item.Property(i => i.LineTotal).HasPrecision(19, 4);
        });
        model.Entity<AuditRecord>(audit =>
        {
            audit.ToTable("peer_audit_log");
            // The chain's guard: two writers can never append the same link of one entity.
            audit.HasIndex(a => new { a.EntityId, a.Sequence }).IsUnique();
        });
        // JSON kept as text, as the product keeps its audit and event payloads (no jsonb parsing on insert).
        model.Entity<OutboxMessage>().ToTable("peer_outbox");
        model.Entity<Customer>().ToTable("peer_customers");
        model.Entity<Product>(product =>
        {
            product.ToTable("peer_products");
            product.Property(p => p.Price).HasPrecision(19, 4);
        });
        model.Entity<ApiKey>(key =>
        {
            key.ToTable("peer_api_keys");
            key.HasIndex(k => k.KeyHash).IsUnique();
        });
    }
}

public sealed class Deal
{
    public required string Id { get; set; }

    public required string Tenant { get; set; }

    public required string CustomerId { get; set; }

    public required string Title { get; set; }

    public required string Currency { get; set; }

    public decimal TaxRate { get; set; }

    public required string Status { get; set; }

    public decimal Subtotal { get; set; }

    public decimal DiscountTotal { get; set; }

    public decimal Tax { get; set; }

    public decimal Total { get; set; }

    public long Version { get; set; }

    /// <summary>The audit chain's head, kept on the row so an append needs no query for the previous entry.</summary>
    public long AuditSequence { get; set; }

    public required string AuditHead { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public List<DealItem> Items { get; set; } = [];
}

public sealed class DealItem
{
    public required string Id { get; set; }

    public required string DealId { get; set; }

    public int Position { get; set; }

    public required string ProductId { get; set; }

    public required string Name { get; set; }

    public decimal UnitPrice { get; set; }

    public int Quantity { get; set; }

    public decimal LineTotal { get; set; }
}

public sealed class AuditRecord
{
    public required string Id { get; set; }

    public required string Tenant { get; set; }

    public required string EntityType { get; set; }

    public required string EntityId { get; set; }

    public long Sequence { get; set; }

    public required string Action { get; set; }

    public required string Actor { get; set; }

    public required string ChangesJson { get; set; }

    public required string SnapshotJson { get; set; }

    public required string PreviousHash { get; set; }

    public required string EntryHash { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

public sealed class OutboxMessage
{
    public Guid Id { get; set; }

    public required string Tenant { get; set; }

    public required string EventType { get; set; }

    public required string AggregateId { get; set; }

    public required string Payload { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

public sealed class Customer
{
    public required string Id { get; set; }

    public required string Tenant { get; set; }

    public required string Name { get; set; }

    public required string Email { get; set; }

    public string? Company { get; set; }
}

public sealed class Product
{
    public required string Id { get; set; }

    public required string Tenant { get; set; }

    public required string Name { get; set; }

    public decimal Price { get; set; }

    public required string Type { get; set; }
}

public sealed class ApiKey
{
    public required string Id { get; set; }

    public required string KeyHash { get; set; }

    public required string Tenant { get; set; }
}
