using DealPeer;
using Harness;
using Microsoft.EntityFrameworkCore;
using Npgsql;

// The deal benchmark's peer (issue #12): the same create → add_item → transition flow as the product, with the same
// validation, pricing, hash-chained audit row and outbox row, written as a plain ASP.NET Core minimal API on EF Core 10
// (Npgsql provider) with one SaveChanges (one transaction) per request. Tuned as EF Core's performance docs recommend:
// a pooled DbContext (AddDbContextPool), compiled queries on the hot path, no tracking where nothing is written,
// source-generated JSON, Npgsql's automatic preparation. Started by the deal bench driver: --server --port P --postgres CONN --admin-key KEY.
var options = BenchArgs.Parse(args);
var postgres = options.Require("postgres");
var builder = ServerHost.CreateBuilder(options);
// Npgsql's automatic statement preparation, as its performance docs recommend (the product's connections use it too).
var tuned = new NpgsqlConnectionStringBuilder(postgres) { MaxAutoPrepare = 64, AutoPrepareMinUsages = 2 }.ConnectionString;
builder.Services.AddDbContextPool<PeerDbContext>(o => o.UseNpgsql(tuned));
builder.Services.AddSingleton<ReferenceCache>();
builder.Services.AddSingleton<PeerAuth>();
builder.Services.AddSingleton(TimeProvider.System);

var app = builder.Build();
await CreateSchemaAsync(app.Services, postgres, options.Require("admin-key"));
app.UseMiddleware<PeerAuth>();
app.MapBenchControl();
app.MapGet("/ready", () => Results.Ok());
app.MapDealFlow();
await app.RunAsync();
return 0;

// The peer's tables (EF Core's own DDL for the model) and the admin key, before the server takes requests.
static async Task CreateSchemaAsync(IServiceProvider services, string postgres, string adminKey)
{
    await using var scope = services.CreateAsyncScope();
    var db = scope.ServiceProvider.GetRequiredService<PeerDbContext>();
    await using (var connection = new NpgsqlConnection(postgres))
    {
        await connection.OpenAsync();
        await using var exists = new NpgsqlCommand("SELECT to_regclass('peer_deals') IS NOT NULL", connection);
        if ((bool)(await exists.ExecuteScalarAsync())!)
        {
            return;
        }
    }
    await db.Database.ExecuteSqlRawAsync(db.Database.GenerateCreateScript());
    db.ApiKeys.Add(new ApiKey { Id = "key_peer_admin", KeyHash = PeerAuth.Hash(adminKey), Tenant = "ten_peer:live" });
    await db.SaveChangesAsync();
}
