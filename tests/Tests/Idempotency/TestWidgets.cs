using System.Collections.Concurrent;
using System.Text.Json;
using ApiHost.Api;
using Microsoft.AspNetCore.Http;

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

        created.AddOrUpdate(tag, 1, (_, n) => n + 1);
        var id = $"wid_{Interlocked.Increment(ref nextId)}";
        http.Response.Headers.Location = $"/v1/test-widgets/{id}";
        await ApiResults.Created(new { id, tag }, version: 1).ExecuteAsync(http);
    }

    private static string? Text(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
