using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Tests.Infrastructure;

namespace Tests.Idempotency;

/// <summary>The embedded API with a fake clock, so the hold after a 5xx can be driven.</summary>
public sealed class KeyedReplayTestApi : IdempotencyTestApi
{
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<TimeProvider>(Time));
    }
}

/// <summary>
/// A keyed request whose change committed but whose response was a 500: the key is held, then the retry is answered
/// by the grain from the committed change (same id, 200, Idempotent-Replayed) — one product, not two.
/// </summary>
public sealed class KeyedReplayHttpTests(KeyedReplayTestApi api) : IClassFixture<KeyedReplayTestApi>
{
    [Fact]
    public async Task A_500_after_the_commit_holds_the_key_then_the_retry_is_replayed_from_the_grain_not_run_again()
    {
        var http = api.CreateClient().WithKey(IdempotencyTestApi.AdminKey);
        var key = "key-" + Guid.NewGuid().ToString("N");
        var tag = "after-commit-" + Guid.NewGuid().ToString("N")[..8];
        var body = $$"""{"tag":"{{tag}}","product":true,"fail_after_commit_times":1}""";

        var failed = await Post(http, body, key);
        var meanwhile = await Post(http, body, key);
        api.Time.Advance(Grains.Interfaces.Idempotency.IdempotencyPolicy.UnsettledHold + TimeSpan.FromSeconds(1));
        var retried = await Post(http, body, key);
        var again = await Post(http, body, key);

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, meanwhile.StatusCode);
        Assert.True(meanwhile.Headers.Contains("Retry-After"));
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal("true", retried.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(await retried.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());

        var list = JsonDocument.Parse(await (await http.GetAsync($"/v1/products?search={tag}")).Content.ReadAsStringAsync()).RootElement;
        var products = list.GetProperty("data").GetProperty("products").EnumerateArray().Where(p => p.GetProperty("name").GetString() == tag).ToList();
        Assert.Single(products);
        using var replayed = JsonDocument.Parse(await retried.Content.ReadAsStringAsync());
        Assert.Equal(products[0].GetProperty("id").GetString(), replayed.RootElement.GetProperty("data").GetProperty("id").GetString());
    }

    private static Task<HttpResponseMessage> Post(HttpClient http, string body, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, IdempotencyTestApi.Path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        return http.SendAsync(request);
    }
}
