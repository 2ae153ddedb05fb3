using System.Net;
using System.Text;
using System.Text.Json;
using Tests.Infrastructure;

namespace Tests.Idempotency;

/// <summary>Idempotency-Key through the real HTTP pipeline (embedded silo), on a test-only creating POST.</summary>
public sealed class IdempotencyHttpTests(IdempotencyTestApi api) : IClassFixture<IdempotencyTestApi>
{
    private const string Url = IdempotencyTestApi.Path;

    private HttpClient Admin => api.CreateClient().WithKey(IdempotencyTestApi.AdminKey);

    private static string NewKey() => "key-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task A_replay_returns_200_with_the_same_body_and_headers_and_creates_nothing()
    {
        var key = NewKey();
        var first = await PostAsync(Admin, Url, """{"tag":"replay"}""", key);
        var replay = await PostAsync(Admin, Url, """{"tag":"replay"}""", key);
        var viaAlias = await PostAsync(Admin, "/api" + Url, """{"tag":"replay"}""", key);

        Assert.Equal(HttpStatusCode.Created, first.Response.StatusCode);
        Assert.False(first.Response.Headers.Contains("Idempotent-Replayed"));
        foreach (var again in new[] { replay, viaAlias })
        {
            Assert.Equal(HttpStatusCode.OK, again.Response.StatusCode);
            Assert.Equal("true", again.Response.Headers.GetValues("Idempotent-Replayed").Single());
            Assert.Equal(first.Text, again.Text);
            Assert.Equal(first.Response.Headers.ETag, again.Response.Headers.ETag);
            Assert.Equal(first.Response.Headers.Location, again.Response.Headers.Location);
            Assert.Equal(first.Response.Content.Headers.ContentType, again.Response.Content.Headers.ContentType);
        }
        Assert.Equal(1, api.Widgets.CreatedFor("replay"));
    }

    [Fact]
    public async Task The_same_key_with_a_different_body_or_query_is_409_reused()
    {
        var key = NewKey();
        await PostAsync(Admin, Url, """{"tag":"reused"}""", key);

        var otherBody = await PostAsync(Admin, Url, """{"tag":"reused","name":"other"}""", key);
        var otherQuery = await PostAsync(Admin, Url + "?x=1", """{"tag":"reused"}""", key);

        foreach (var conflict in new[] { otherBody, otherQuery })
        {
            Assert.Equal(HttpStatusCode.Conflict, conflict.Response.StatusCode);
            Assert.Equal("conflict.idempotency_key_reused", conflict.Body.Code());
        }
        Assert.Equal(1, api.Widgets.CreatedFor("reused"));
    }

    [Fact]
    public async Task Twenty_concurrent_requests_with_one_key_create_exactly_one_record()
    {
        var key = NewKey();
        var gate = api.Widgets.Gate("concurrent");
        const string body = """{"tag":"concurrent","gate":"concurrent"}""";
        var http = Admin;
        var requests = Enumerable.Range(0, 20).Select(_ => PostAsync(http, Url, body, key)).ToList();

        // The request holding the key waits at the gate; every other one must be answered meanwhile.
        // A safety net only: the loop ends as soon as 19 answers are in.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var deadline = Task.Delay(Timeout.Infinite, timeout.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        while (requests.Count(r => r.IsCompleted) < 19 && !deadline.IsCompleted)
        {
            await Task.WhenAny(requests.Where(r => !r.IsCompleted).Append(deadline));
        }
        gate.SetResult();
        var results = await Task.WhenAll(requests);

        Assert.Single(results, r => r.Response.StatusCode == HttpStatusCode.Created);
        Assert.All(results.Where(r => r.Response.StatusCode != HttpStatusCode.Created), r =>
        {
            Assert.Equal(HttpStatusCode.Conflict, r.Response.StatusCode);
            Assert.Equal("conflict.idempotency_key_in_flight", r.Body.Code());
            Assert.True(r.Body.GetProperty("recovery").GetProperty("retryable").GetBoolean());
        });
        Assert.Equal(1, api.Widgets.CreatedFor("concurrent"));

        var replay = await PostAsync(http, Url, body, key);
        Assert.Equal(HttpStatusCode.OK, replay.Response.StatusCode);
        Assert.Equal(results.Single(r => r.Response.StatusCode == HttpStatusCode.Created).Text, replay.Text);
    }

    [Theory]
    [InlineData("throw", HttpStatusCode.InternalServerError, "internal_error")]
    [InlineData("result", HttpStatusCode.ServiceUnavailable, "transient_error")]
    public async Task A_5xx_never_releases_the_key_a_retry_meanwhile_is_409_in_flight_with_retry_after(string mode, HttpStatusCode status, string code)
    {
        var key = NewKey();
        var tag = "flaky-" + mode;
        var body = $$"""{"tag":"{{tag}}","fail_times":1,"fail_mode":"{{mode}}"}""";

        var failed = await PostAsync(Admin, Url, body, key);
        var retried = await PostAsync(Admin, Url, body, key);

        Assert.Equal(status, failed.Response.StatusCode);
        Assert.Equal(code, failed.Body.Code());
        // Whether a 5xx's change committed is unknown: the key is not released, so the retry cannot run a second time
        // now; after the hold it runs and the grain that committed (if any) answers it (IdempotencyGrainTests, KeyedChangeTests).
        Assert.Equal(HttpStatusCode.Conflict, retried.Response.StatusCode);
        Assert.Equal("conflict.idempotency_key_in_flight", retried.Body.Code());
        var retryAfter = int.Parse(retried.Response.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, (int)Grains.Interfaces.Idempotency.IdempotencyPolicy.UnsettledHold.TotalSeconds);
        Assert.Equal(0, api.Widgets.CreatedFor(tag));
    }

    [Fact]
    public async Task A_4xx_from_a_thrown_error_is_stored_and_replayed_exactly_as_first_sent()
    {
        var key = NewKey();
        const string body = """{"tag":"rejected","reject":true}""";

        var first = await PostAsync(Admin, Url, body, key);
        var replay = await PostAsync(Admin, Url, body, key);

        Assert.Equal(HttpStatusCode.BadRequest, first.Response.StatusCode);
        Assert.Equal("validation_error.bad_request", first.Body.Code());
        Assert.Equal(first.Response.Headers.GetValues("X-Request-Id").Single(), first.Body.GetProperty("ref").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, replay.Response.StatusCode);
        Assert.Equal("true", replay.Response.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(first.Text, replay.Text);
    }

    [Fact]
    public async Task A_key_longer_than_64_characters_is_400_naming_the_header()
    {
        var result = await PostAsync(Admin, Url, """{"tag":"bad-key"}""", new string('k', 65));

        Assert.Equal(HttpStatusCode.BadRequest, result.Response.StatusCode);
        Assert.Equal("validation_error.bad_request", result.Body.Code());
        Assert.Contains("Idempotency-Key", result.Body.GetProperty("message").GetString());
        Assert.Equal("Idempotency-Key", result.Body.GetProperty("details").GetProperty("header").GetString());
        Assert.Equal(0, api.Widgets.CreatedFor("bad-key"));
    }

    [Fact]
    public async Task An_empty_key_is_400()
    {
        // HttpClient drops empty header values, so this request is built on the server side.
        var context = await api.Server.SendAsync(c =>
        {
            c.Request.Method = "POST";
            c.Request.Path = Url;
            c.Request.Headers.Authorization = "Bearer " + IdempotencyTestApi.AdminKey;
            c.Request.Headers["Idempotency-Key"] = "";
            c.Request.ContentType = "application/json";
            c.Request.Body = new MemoryStream("""{"tag":"empty-key"}"""u8.ToArray());
        });

        var body = await JsonDocument.ParseAsync(context.Response.Body);
        Assert.Equal(400, context.Response.StatusCode);
        Assert.Equal("Idempotency-Key", body.RootElement.GetProperty("details").GetProperty("header").GetString());
        Assert.Equal(0, api.Widgets.CreatedFor("empty-key"));
    }

    [Fact]
    public async Task A_64_character_key_is_accepted()
    {
        var key = new string('k', 63) + Guid.NewGuid().ToString("N")[0];
        var first = await PostAsync(Admin, Url, """{"tag":"long-key"}""", key);
        Assert.Equal(HttpStatusCode.Created, first.Response.StatusCode);
    }

    [Fact]
    public async Task Keys_are_scoped_per_environment_and_requests_without_a_key_are_not_deduplicated()
    {
        var key = NewKey();
        var testKey = await Admin.CreateKeyAsync("idempotency test env", ["*"], environment: "test");
        const string body = """{"tag":"scoped"}""";

        var live = await PostAsync(Admin, Url, body, key);
        var test = await PostAsync(api.CreateClient().WithKey(testKey), Url, body, key);
        await PostAsync(Admin, Url, body, key: null);
        await PostAsync(Admin, Url, body, key: null);

        Assert.Equal(HttpStatusCode.Created, live.Response.StatusCode);
        Assert.Equal(HttpStatusCode.Created, test.Response.StatusCode);
        Assert.NotEqual(live.Text, test.Text);
        Assert.Equal(4, api.Widgets.CreatedFor("scoped"));
    }

    [Fact]
    public async Task Endpoints_without_WithIdempotency_ignore_the_header()
    {
        var key = NewKey();
        var first = await PostAsync(Admin, "/v1/keys", """{"name":"not idempotent","scopes":["customers:read"]}""", key);
        var second = await PostAsync(Admin, "/v1/keys", """{"name":"not idempotent","scopes":["customers:read"]}""", key);

        Assert.Equal(HttpStatusCode.Created, first.Response.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.Response.StatusCode);
        Assert.NotEqual(Secret(first.Body), Secret(second.Body));

        static string Secret(JsonElement body) => body.GetProperty("data").GetProperty("secret").GetString()!;
    }

    internal static async Task<Reply> PostAsync(HttpClient http, string url, string json, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }
        var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new Reply(response, text, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    internal sealed record Reply(HttpResponseMessage Response, string Text, JsonElement Body);
}
