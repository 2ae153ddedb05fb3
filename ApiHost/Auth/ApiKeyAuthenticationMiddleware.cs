using ApiHost.Api;
using Grains.Interfaces.Tenants;
using Microsoft.Extensions.Primitives;

namespace ApiHost.Auth;

/// <summary>
/// Authenticates every endpoint that declares a <see cref="RequiredScope"/>: finds the key (header,
/// or <c>?api_key=</c> for publishable keys and — deprecated — secret keys), checks it is known and
/// usable, its allowed origins, and the scope. Runs after routing so it knows the endpoint.
/// </summary>
public sealed class ApiKeyAuthenticationMiddleware(RequestDelegate next, ApiKeyCache keys, TimeProvider time)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var required = context.GetEndpoint()?.Metadata.GetMetadata<RequiredScope>();
        if (required is null)
        {
            await next(context);
            return;
        }

        var (presented, fromQuery) = FindKey(context.Request);
        if (presented is null)
        {
            throw new ApiException(ApiError.InvalidCredentials("Missing API key: send Authorization: Bearer <key> or X-API-Key"));
        }
        if (!ApiKeySecrets.IsWellFormed(presented))
        {
            throw new ApiException(ApiError.InvalidCredentials("Malformed API key"));
        }

        var hash = ApiKeySecrets.Hash(presented);
        var cached = await keys.GetAsync(hash, context.RequestAborted);
        if (cached is null)
        {
            throw new ApiException(ApiError.InvalidCredentials("Invalid API key"));
        }
        var key = cached.Record;
        if (key.RevokedAt is not null)
        {
            throw new ApiException(ApiError.InvalidCredentials("This API key has been revoked"));
        }
        if (!key.IsUsableAt(time.GetUtcNow()))
        {
            throw new ApiException(ApiError.InvalidCredentials("This API key has expired"));
        }

        if (fromQuery && key.Kind == ApiKeyKinds.Secret)
        {
            if (cached.Settings.EnforceHeaderAuth)
            {
                throw new ApiException(ApiError.InvalidCredentials(
                    "Secret keys are not accepted in the query string for this tenant: send them in the Authorization header"));
            }
            context.Response.Headers["Deprecation"] = "true";
            context.Response.Headers["Warning"] = "299 - \"Secret API keys in ?api_key= are deprecated; use the Authorization header\"";
        }

        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && key.AllowedOrigins is { Count: > 0 } allowed &&
            !allowed.Contains(origin.TrimEnd('/'), StringComparer.OrdinalIgnoreCase))
        {
            throw new ApiException(ApiError.CorsOriginDenied(origin));
        }

        var caller = new ApiCaller(key, hash);
        var scope = required.ScopeFor(context.Request);
        if (!caller.Has(scope))
        {
            throw new ApiException(ApiError.InsufficientScope(scope));
        }
        context.SetCaller(caller);
        await next(context);
    }

    private static (string? Key, bool FromQuery) FindKey(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return (authorization["Bearer ".Length..].Trim(), false);
        }
        if (request.Headers.TryGetValue("X-API-Key", out var header) && !StringValues.IsNullOrEmpty(header))
        {
            return (header.ToString().Trim(), false);
        }
        if (request.Query.TryGetValue("api_key", out var query) && !StringValues.IsNullOrEmpty(query))
        {
            return (query.ToString().Trim(), true);
        }
        return (null, false);
    }
}
