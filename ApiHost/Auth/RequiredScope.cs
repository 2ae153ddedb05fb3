namespace ApiHost.Auth;

/// <summary>Endpoint metadata: the scope a key needs. Endpoints without it are public.</summary>
public sealed record RequiredScope(string Scope);

public static class RequiredScopeExtensions
{
    /// <summary>Requires an API key with <paramref name="scope"/>; the authentication middleware enforces it.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope) where TBuilder : IEndpointConventionBuilder
    {
        if (!Scopes.All.Contains(scope))
        {
            throw new ArgumentException($"'{scope}' is not one of the document's scopes", nameof(scope));
        }
        return builder.WithMetadata(new RequiredScope(scope));
    }
}
