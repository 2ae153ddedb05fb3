using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using ApiHost.Api;

namespace ApiHost.Keys;

/// <summary>The PATCH body: any subset; <c>expires_at: null</c> removes the expiry.</summary>
public record KeyPatch : IApiRequest
{
    [MaxLength(255)] public virtual string? Name { get; init; }
    [Description("Scopes from the document's list, or * for all")] public IReadOnlyList<string>? Scopes { get; init; }
    [Description("Must be in the future")] public DateTimeOffset? ExpiresAt { get; init; }
    [MaxLength(50), Description("Browser origins a publishable key may be used from")] public IReadOnlyList<string>? AllowedOrigins { get; init; }
    [Range(1, 1_000_000)] public int? RateLimitPerMinute { get; init; }
}

/// <summary>The create body: a name; type, environment and region default from the calling key.</summary>
public sealed record KeyInput : KeyPatch
{
    [Required, MaxLength(255)] public override string? Name { get; init; }
    [Description("secret (default) or publishable")] public string? Type { get; init; }
    [Description("live or test; a test key can only make test keys")] public string? Environment { get; init; }
    [Description("The region in the key's prefix; default the caller's")] public string? Region { get; init; }
    [Description("An agent key (key_agent_...) with a trust level (GET /v1/agent-trust)")] public bool? AgentKey { get; init; }
}

public sealed record KeyRevoked(string Id, bool Revoked, DateTimeOffset? RevokedAt);
