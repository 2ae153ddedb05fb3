using Grains.Platform.Health;
using Grains.Platform.Hosting;
using Grains.Platform.Postgres;
using Orleans.Dashboard;

var builder = WebApplication.CreateBuilder(args);

// The silo's own HTTP port serves /health, /ready and the dashboard; several silos on one machine pass --urls.
if (string.IsNullOrEmpty(builder.Configuration[ConfigurationKeys.Urls]))
{
    builder.WebHost.UseUrls("http://127.0.0.1:5090");
}

var postgres = builder.Configuration[ConfigurationKeys.PostgresConnectionString];
if (string.IsNullOrWhiteSpace(postgres))
{
    throw new InvalidOperationException("The Silo needs ConnectionStrings:Postgres (env ConnectionStrings__Postgres).");
}

if (args.Contains("--migrate-only"))
{
    using var loggers = LoggerFactory.Create(b => b.AddConsole());
    var applied = await new SchemaMigrator(postgres, loggers.CreateLogger<SchemaMigrator>()).MigrateAsync();
    Console.WriteLine($"Migrations applied: {applied.Count}");
    return;
}

var orleans = OrleansSettings.From(builder.Configuration);

// Before UseOrleans: hosted services start in order, so the schema exists before the silo joins.
builder.Services.AddPostgresSchemaMigrations(postgres);
builder.UseOrleans(silo => silo.ConfigureClusterSilo(orleans, postgres));
builder.Services.AddHealthReporting(postgres);

var app = builder.Build();
app.MapHealthEndpoints();
app.MapOrleansDashboard("/dashboard");
await app.RunAsync();
