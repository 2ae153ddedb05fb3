namespace Grains.Interfaces.Tenants;

/// <summary>Scopes fixed by a key's kind, and how a granted set satisfies a required scope (the API's check and the grains' alike).</summary>
public static class ApiKeyScopes
{
    /// <summary>Publishable keys carry exactly these (document: widget operations only).</summary>
    public static readonly IReadOnlyList<string> Publishable = ["products:read", "customers:write", "deals:write", "agent:negotiate"];

    /// <summary>The scopes a key holds: a publishable key's are fixed by its kind, any other key's are its own.</summary>
    public static IReadOnlyList<string> Of(ApiKeyRecord key) => key.Kind == ApiKeyKinds.Publishable ? Publishable : key.Scopes;

    /// <summary>
    /// <c>*</c> grants everything; <c>*:read</c> grants every <c>x:read</c>; <c>agent:*</c> grants every
    /// <c>agent:</c> scope; otherwise the exact scope is needed.
    /// </summary>
    public static bool Allows(IEnumerable<string> granted, string required)
    {
        foreach (var scope in granted)
        {
            if (scope == "*" || scope == required)
            {
                return true;
            }
            if (scope == "*:read" && required.EndsWith(":read", StringComparison.Ordinal))
            {
                return true;
            }
            if (scope.EndsWith(":*", StringComparison.Ordinal) && required.StartsWith(scope[..^1], StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }
}
