using System.Collections.Concurrent;
using System.Text.Json;
using ApiHost.Api;
using ApiHost.Api.Idempotency;
using ApiHost.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Grains.Interfaces.Products;
using Tests.Infrastructure;

namespace Tests.Idempotency;

/// <summary>
/// The embedded API plus one test-only creating POST, <c>/v1/test-widgets</c>, marked
/// <c>WithIdempotency</c>. Its body steers it: <c>tag</c> counts creations per test, <c>reject</c>
/// answers 400, <c>fail_times</c>+<c>fail_mode</c> fail with 5xx that many times, <c>gate</c> waits for the test;
/// <c>product</c> creates a real product (its id from <see cref="KeyedIds"/>) and <c>fail_after_commit_times</c> then
/// fails with a 500 that many times, after the product's change committed.
/// </summary>
public class IdempotencyTestApi : EmbeddedApi
{
    public const string AdminKey = "sb_live_us_IdempotencyTestsAdmin01";
    public const string Path = "/v1/test-widgets";

    public IdempotencyTestApi() : this(new Dictionary<string, string?>())
    {
    }

    /// <summary>With more settings, e.g. <c>Orleans:Mode=Client</c> against a <see cref="PostgresCluster"/>.</summary>
    internal IdempotencyTestApi(Dictionary<string, string?> settings)
        : base(new Dictionary<string, string?>(settings) { ["Bootstrap:AdminKey"] = AdminKey })
    {
    }

    public TestWidgets Widgets { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter>(new TestEndpointFilter(Widgets)));
    }

    /// <summary>
    /// Selects the test endpoint ahead of the app's pipeline; routing keeps an endpoint that is already
    /// set, so auth, idempotency and the endpoint middleware then run exactly as for a mapped route.
    /// </summary>
    private sealed class TestEndpointFilter(TestWidgets widgets) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            var endpoint = new Endpoint(widgets.CreateAsync,
                new EndpointMetadataCollection(new RequiredScope("customers:write"), IdempotentEndpoint.Instance), "POST test-widgets");
            app.Use((context, nextMiddleware) =>
            {
                if (HttpMethods.IsPost(context.Request.Method) && context.Request.Path.Value is Path or "/api" + Path)
                {
                    context.SetEndpoint(endpoint);
                }
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}

public sealed class TestWidgets
{
    private readonly ConcurrentDictionary<string, int> created = new();
    private readonly ConcurrentDictionary<string, int> failures = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> gates = new();
    private int nextId;

    public int CreatedFor(string tag) => created.GetValueOrDefault(tag);

    /// <summary>A gate requests with <c>"gate": name</c> wait on until the test opens it.</summary>
    public TaskCompletionSource Gate(string name) => gates.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public async Task CreateAsync(HttpContext http)
    {
        var body = await RequestBody.ReadObjectAsync(http.Request, http.RequestAborted);
        var tag = Text(body, "tag") ?? "untagged";
        if (body.TryGetProperty("reject", out _))
        {
            throw new ApiException(ApiError.BadRequest("Rejected as the test asked"));
        }
        if (body.TryGetProperty("fail_times", out var times) && failures.AddOrUpdate(tag, 1, (_, n) => n + 1) <= times.GetInt32())
        {
            if (Text(body, "fail_mode") == "result")
            {
                await ApiResults.Error(ApiError.Transient(1)).ExecuteAsync(http);
                return;
            }
            throw new InvalidOperationException("Simulated failure");
        }
        if (Text(body, "gate") is { } gate)
        {
            await Gate(gate).Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        if (body.TryGetProperty("product", out _))
        {
            var grains = http.RequestServices.GetRequiredService<IGrainFactory>();
            var productId = KeyedIds.New(http, ProductKeys.IdPrefix);
            var product = await grains.GetGrain<IProductGrain>(ProductKeys.Grain(http.Caller().Partition, productId))
                .Create(new ProductFields { Name = tag, Price = 10m });
            if (body.TryGetProperty("fail_after_commit_times", out var after) && failures.AddOrUpdate(tag, 1, (_, n) => n + 1) <= after.GetInt32())
            {
                throw new InvalidOperationException("Simulated failure after the commit");
            }
            await ApiResults.Created(new { id = product.Id, tag, created_at = product.CreatedAt }, product.Version).ExecuteAsync(http);
            return;
        }

        created.AddOrUpdate(tag, 1, (_, n) => n + 1);
        var id = $"wid_{Interlocked.Increment(ref nextId)}";
        http.Response.Headers.Location = $"/v1/test-widgets/{id}";
        await ApiResults.Created(new { id, tag }, version: 1).ExecuteAsync(http);
    }

    private static string? Text(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
