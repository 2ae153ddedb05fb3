using Grains.Interfaces.Platform;
using Grains.Interfaces.Tenants;

namespace Grains.Tenants;

/// <summary>The rules of issuing and changing API keys (pure; the tenant and key grains apply them).</summary>
public static class ApiKeyRules
{
    public const string EnvironmentMismatch = "authorization_error.environment_mismatch";
    public const string FixedScopes = "validation_error.bad_request";

    /// <summary>
    /// The key's environment and scopes: a test key creates only test keys (the sandbox cannot escalate); a publishable key
    /// is live with the fixed publishable scopes whatever was asked.
    /// </summary>
    public static (string Environment, IReadOnlyList<string> Scopes) Resolve(ApiKeyRequest request)
    {
        if (request.Environment != request.CallerEnvironment && request.CallerEnvironment == "test")
        {
            throw new DomainException(EnvironmentMismatch, $"A {request.CallerEnvironment} key cannot create {request.Environment} keys",
                new EnvironmentMismatchDetails(request.Environment));
        }
        return request.Kind == ApiKeyKinds.Publishable ? ("live", ApiKeyScopes.Publishable) : (request.Environment, request.Scopes);
    }

    /// <summary>A new secret in the documented format: <c>sb_pub_…</c> for publishable keys, else <c>sb_{environment}_…</c>.</summary>
    public static string NewSecret(string kind, string environment, string region) =>
        ApiKeySecrets.Generate(kind == ApiKeyKinds.Publishable ? "pub" : environment, region);

    /// <summary>Origins compare without a trailing slash.</summary>
    public static IReadOnlyList<string>? Origins(IReadOnlyList<string>? origins) => origins?.Select(o => o.TrimEnd('/')).ToList();

    /// <summary>A publishable key's scopes are fixed by its kind.</summary>
    public static void CheckChange(ApiKeyRecord current, ApiKeyChanges changes)
    {
        if (current.Kind == ApiKeyKinds.Publishable && changes.Scopes is not null)
        {
            throw new DomainException(FixedScopes, "Publishable keys have fixed scopes");
        }
    }
}
