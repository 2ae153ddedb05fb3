using ApiHost.Api;
using ApiHost.Auth;
using ApiHost.OpenApi;
using Grains.Interfaces.AgentTrust;
using Grains.Interfaces.Tenants;

namespace ApiHost.Keys;

/// <summary>
/// <c>/v1/keys</c>: list, create (the secret is in this one response only), update and revoke the
/// tenant's API keys. Needs the <c>admin</c> scope. A live admin key manages live and test keys; a test key only test keys.
/// </summary>
public static class KeyEndpoints
{
    public static void MapKeyEndpoints(this IEndpointRouteBuilder app) => app.MapApi("keys", group =>
    {
        group.MapGet("", List).RequireScope("admin")
            .Operation<IReadOnlyList<KeyView>>("listKeys", "List the tenant's API keys", description: "With `?id=` answers one key (a single object).");
        group.MapPost("", Create).RequireScope("admin")
            .Operation<KeyInput, CreatedKeyView>("createKey", "Issue an API key", 201, "The answer carries the key's secret, shown once.");
        group.MapPatch("", Update).RequireScope("admin").ExcludeFromDescription();
        group.MapPatch("{id}", Update).RequireScope("admin")
            .Operation<KeyPatch, KeyView>("updateKey", "Rename a key or change its scopes, origins or rate limit", description: "Also served as `PATCH ?id={id}`.");
        group.MapDelete("", Revoke).RequireScope("admin").ExcludeFromDescription();
        group.MapDelete("{id}", Revoke).RequireScope("admin")
            .Operation<KeyRevoked>("revokeKey", "Revoke an API key", description: "Also served as `DELETE ?id={id}`.");
    });

    private static async Task<IResult> List(HttpContext http, IGrainFactory grains, string? id)
    {
        var caller = http.Caller();
        var keys = await grains.GetGrain<ITenantGrain>(caller.TenantId).ListApiKeys();
        var visible = keys.Where(k => CanManage(caller, k));
        if (id is not null)
        {
            var one = visible.FirstOrDefault(k => k.KeyId == id) ?? throw new ApiException(ApiError.NotFound("API key not found"));
            return ApiResults.Ok(KeyView.From(one));
        }
        return ApiResults.Ok(visible.Select(KeyView.From).ToList());
    }

    private static async Task<IResult> Create(HttpContext http, IGrainFactory grains, TimeProvider time, CancellationToken ct)
    {
        var caller = http.Caller();
        var fields = new FieldReader(await RequestBody.ReadObjectAsync(http.Request, ct));
        var name = fields.String("name", required: true);
        var type = fields.Enum("type", [ApiKeyKinds.Secret, ApiKeyKinds.Publishable]) ?? ApiKeyKinds.Secret;
        var environment = fields.Enum("environment", ["live", "test"]) ?? caller.Environment;
        var scopes = fields.StringList("scopes") ?? ["*"];
        var expiresAt = fields.Timestamp("expires_at");
        var origins = fields.StringList("allowed_origins", maxItems: 50, maxLength: 2048);
        var rateLimit = fields.Integer("rate_limit_per_minute", min: 1, max: 1_000_000);
        var region = fields.Enum("region", ApiKeySecrets.Regions.ToList()) ?? RegionOf(caller);
        var agentKey = fields.Boolean("agent_key") ?? false;
        ValidateScopes(fields, scopes);
        if (expiresAt is { } at && at <= time.GetUtcNow())
        {
            fields.Fail("expires_at", "invalid", "expires_at must be in the future");
        }
        fields.ThrowIfInvalid();
        var issued = await grains.GetGrain<ITenantGrain>(caller.TenantId).IssueApiKey(
            new ApiKeyRequest(name!, type, environment, caller.Environment, scopes, region, expiresAt, origins, rateLimit, agentKey));
        return ApiResults.Created(new CreatedKeyView(KeyView.From(issued.Record), issued.Secret));
    }

    private static async Task<IResult> Update(HttpContext http, IGrainFactory grains, ApiKeyCache cache, string? id, CancellationToken ct)
    {
        var caller = http.Caller();
        var (grain, hash) = await FindOwnKey(grains, caller, id);
        var fields = new FieldReader(await RequestBody.ReadObjectAsync(http.Request, ct));
        var name = fields.String("name");
        var scopes = fields.StringList("scopes");
        var expiresAt = fields.Timestamp("expires_at");
        var origins = fields.StringList("allowed_origins", maxItems: 50, maxLength: 2048);
        var rateLimit = fields.Integer("rate_limit_per_minute", min: 1, max: 1_000_000);
        if (scopes is not null)
        {
            ValidateScopes(fields, scopes);
        }
        fields.ThrowIfInvalid();
        var updated = await grain.Update(new ApiKeyChanges(name, scopes, expiresAt,
            ClearExpiry: fields.Has("expires_at") && expiresAt is null, origins, rateLimit));
        cache.Invalidate(hash);
        return ApiResults.Ok(KeyView.From(updated));
    }

    private static async Task<IResult> Revoke(HttpContext http, IGrainFactory grains, ApiKeyCache cache, string? id)
    {
        var caller = http.Caller();
        var (grain, hash) = await FindOwnKey(grains, caller, id);
        var revoked = await grain.Revoke();
        cache.Invalidate(hash);
        return ApiResults.Ok(new KeyRevoked(revoked.KeyId, true, revoked.RevokedAt));
    }

    private static async Task<(IApiKeyGrain Grain, string Hash)> FindOwnKey(IGrainFactory grains, ApiCaller caller, string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            throw new ApiException(ApiError.BadRequest("The id query parameter is required"));
        }
        var hash = await grains.GetGrain<ITenantGrain>(caller.TenantId).FindApiKeyHash(id)
                   ?? throw new ApiException(ApiError.NotFound("API key not found"));
        var grain = grains.GetGrain<IApiKeyGrain>(hash);
        var record = await grain.Get();
        if (record is null || !CanManage(caller, record))
        {
            throw new ApiException(ApiError.NotFound("API key not found"));
        }
        return (grain, hash);
    }

    /// <summary>A live admin key manages all of its tenant's keys; a test key only test keys (the sandbox cannot escalate).</summary>
    private static bool CanManage(ApiCaller caller, ApiKeyRecord key) => caller.Environment == "live" || key.Environment == "test";

    private static void ValidateScopes(FieldReader fields, IReadOnlyList<string> scopes)
    {
        var unknown = scopes.Where(s => !Scopes.All.Contains(s)).ToList();
        if (scopes.Count == 0)
        {
            fields.Fail("scopes", "required", "scopes must name at least one scope");
        }
        else if (unknown.Count > 0)
        {
            fields.Fail("scopes", "invalid", $"Unknown scope(s): {string.Join(", ", unknown)}");
        }
    }

    private static string RegionOf(ApiCaller caller) => caller.Key.Prefix.Split('_') is [_, _, var region, ..] ? region : "us";
}

public sealed record KeyView(
    string Id, string Name, string Prefix, string Type, string Environment, IReadOnlyList<string> Scopes,
    IReadOnlyList<string> AllowedOrigins, int? RateLimitPerMinute, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt,
    DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, bool AgentKey)
{
    public static KeyView From(ApiKeyRecord r) => new(r.KeyId, r.Name, r.Prefix, r.Kind, r.Environment,
        ApiKeyScopes.Of(r), r.AllowedOrigins ?? [], r.RateLimitPerMinute,
        r.CreatedAt, r.LastUsedAt, r.ExpiresAt, r.RevokedAt, TrustLevels.IsAgentKey(r.KeyId));
}

/// <summary>The one response that carries the secret.</summary>
public sealed record CreatedKeyView([property: System.Text.Json.Serialization.JsonIgnore] KeyView Key, string Secret)
{
    public string Id => Key.Id;
    public string Name => Key.Name;
    public IReadOnlyList<string> Scopes => Key.Scopes;
    public string Type => Key.Type;
    public string Environment => Key.Environment;
    public string Prefix => Key.Prefix;
    public DateTimeOffset CreatedAt => Key.CreatedAt;
    public DateTimeOffset? ExpiresAt => Key.ExpiresAt;
    public IReadOnlyList<string> AllowedOrigins => Key.AllowedOrigins;
    public bool AgentKey => Key.AgentKey;
}
