using Grains.Interfaces.Tenants;

namespace ApiHost.Auth;

/// <summary>Who is calling: the tenant, the data environment the key sees, and what it may do.</summary>
public sealed record ApiCaller(ApiKeyRecord Key, string SecretHash)
{
    public string TenantId => Key.TenantId;

    /// <summary><c>live</c> or <c>test</c>: test keys only ever see test data and live keys live data.</summary>
    public string Environment => Key.Environment;

    public string KeyId => Key.KeyId;

    public IReadOnlyList<string> Scopes => ApiKeyScopes.Of(Key);

    public bool Has(string scope) => Auth.Scopes.Allows(Scopes, scope);

    /// <summary>The key prefix for grains that hold this tenant+environment's records.</summary>
    public string Partition => $"{TenantId}:{Environment}";
}

public static class ApiCallerHttpContextExtensions
{
    private const string ItemKey = "api.caller";

    public static ApiCaller Caller(this HttpContext context) =>
        context.Items.TryGetValue(ItemKey, out var caller) && caller is ApiCaller c
            ? c
            : throw new InvalidOperationException("No authenticated caller: the endpoint is missing RequireScope.");

    internal static void SetCaller(this HttpContext context, ApiCaller caller) => context.Items[ItemKey] = caller;
}
