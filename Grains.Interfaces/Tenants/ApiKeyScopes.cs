namespace Grains.Interfaces.Tenants;

/// <summary>Scopes fixed by a key's kind.</summary>
public static class ApiKeyScopes
{
    /// <summary>Publishable keys carry exactly these (document: widget operations only).</summary>
    public static readonly IReadOnlyList<string> Publishable = ["products:read", "customers:write", "deals:write", "agent:negotiate"];
}
