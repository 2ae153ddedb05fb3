namespace ApiHost.Auth;

/// <summary>The document's scopes, exactly as it spells them, and how a granted set satisfies a required one.</summary>
public static class Scopes
{
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        "*", "*:read",
        "deals:read", "deals:write", "deals:sign",
        "customers:read", "customers:write",
        "emails:read", "emails:write",
        "products:read", "products:write",
        "contracts:read", "contracts:write",
        "webhooks:read", "webhooks:write",
        "agent:*", "agent:discover", "agent:negotiate", "agent:execute",
        "intelligence:read", "intelligence:write",
        "billing:read", "billing:write",
        "trust:read", "trust:write",
        "staff:read", "staff:write",
        "team:read", "team:write",
        "bookings:read", "bookings:write",
        "queue:read", "queue:write",
        "audit:export",
        "sandbox:read", "sandbox:write",
        "sites:read", "sites:write",
        "delegations:read", "delegations:write",
        "activity:read", "activity:write",
        "search:read",
        "admin:read", "admin:write", "admin",
    };

    /// <summary>Publishable keys carry exactly these (document: widget operations only).</summary>
    public static readonly IReadOnlyList<string> Publishable = Grains.Interfaces.Tenants.ApiKeyScopes.Publishable;

    /// <summary>
    /// <c>*</c> grants everything; <c>*:read</c> grants every <c>x:read</c>; <c>agent:*</c> grants every
    /// <c>agent:</c> scope; otherwise the exact scope is needed (<see cref="Grains.Interfaces.Tenants.ApiKeyScopes.Allows"/>, which grains use too).
    /// </summary>
    public static bool Allows(IEnumerable<string> granted, string required) => Grains.Interfaces.Tenants.ApiKeyScopes.Allows(granted, required);
}
