using System.Collections.Concurrent;
using System.Text.Json;
using ApiHost.Api;
using ApiHost.Api.Idempotency;
using ApiHost.Auth;
using Grains.Interfaces.Products;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Tests.Idempotency;

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
