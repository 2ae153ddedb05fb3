namespace ApiHost.Auth;

/// <summary>
/// Endpoint metadata: the scope a key needs. Endpoints without it are public. Query-style routes that carry several
/// operations (<c>POST /deals?action=sign</c>) may name a different scope per <c>action</c>.
/// </summary>
public sealed record RequiredScope(string Scope, IReadOnlyDictionary<string, string>? ByAction = null)
{
    public string ScopeFor(HttpRequest request) =>
        ByAction is not null && request.Query["action"].ToString() is { Length: > 0 } action && ByAction.TryGetValue(action, out var scope)
            ? scope
            : Scope;
}

public static class RequiredScopeExtensions
{
    /// <summary>Requires an API key with <paramref name="scope"/> (or, per <c>?action=</c>, the scope in <paramref name="byAction"/>).</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope, IReadOnlyDictionary<string, string>? byAction = null)
        where TBuilder : IEndpointConventionBuilder
    {
        foreach (var name in byAction?.Values.Prepend(scope) ?? [scope])
        {
            if (!Scopes.All.Contains(name))
            {
                throw new ArgumentException($"'{name}' is not one of the document's scopes", nameof(scope));
            }
        }
        return builder.WithMetadata(new RequiredScope(scope, byAction));
    }
}
