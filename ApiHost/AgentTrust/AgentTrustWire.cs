using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using ApiHost.Api;

namespace ApiHost.AgentTrust;

/// <summary>An API key's trust as the document shows it (levels, caps and the score: <c>TrustLevels</c>).</summary>
public sealed record AgentTrustData(
    string KeyId, bool AgentKey, int TrustLevel, string TrustLabel, int Score, [property: Description("null: no cap")] decimal? TransactionCap,
    IReadOnlyList<string> Capabilities, IReadOnlyList<string> LockedCapabilities, NextTrustLevel? NextLevel, int? ManualLevel,
    decimal RateLimitMultiplier, TrustStatistics Statistics);

public sealed record NextTrustLevel(int Level, string Label, int ScoreNeeded);

public sealed record TrustStatistics(int DealsCompleted, int DealsFailed, decimal TotalDealValue);

public sealed record AgentTrustChangeRecord(int FromLevel, int ToLevel, string FromLabel, string ToLabel, int Score, string Reason, string ChangedBy,
    DateTimeOffset ChangedAt);

public sealed record AgentTrustHistoryData(IReadOnlyList<AgentTrustChangeRecord> History, Pagination Pagination, string KeyId);

public sealed record AgentTrustLockRecord(string Capability, string Reason, DateTimeOffset LockedAt, DateTimeOffset? ExpiresAt);

public sealed record AgentTrustLocksData(string KeyId, IReadOnlyList<AgentTrustLockRecord> Locks);

public sealed record TrustCredentialRecord(string CredentialId, string Type, int TrustLevel, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt,
    [property: Description("A compact EdDSA JWS; verify it with verification_key")] string Jwt, string Status, DateTimeOffset? RevokedAt,
    string? RevocationReason, TrustVerificationKey VerificationKey);

public sealed record TrustVerificationKey(string Kid, string Alg, string Crv, [property: Description("Base64 Ed25519 public key")] string PublicKey);

public sealed record TrustCredentialList(string KeyId, IReadOnlyList<TrustCredentialRecord> Credentials);

public sealed record TrustRevocationRecord(string CredentialId, DateTimeOffset RevokedAt, string Reason);

public sealed record TrustRevocationsData(IReadOnlyList<TrustRevocationRecord> Revocations, DateTimeOffset? UpdatedAt);

/// <summary>An admin's manual level: a floor under the earned level (4 is Verified Partner); null clears it.</summary>
public sealed record TrustLevelBody : IApiRequest
{
    [Required, Range(0, 4)] public int? Level { get; init; }
    [MaxLength(500)] public string? Reason { get; init; }
}

public sealed record TrustCredentialBody : IApiRequest
{
    [Description("TrustLevelCredential (the default and only type)")] public string? CredentialType { get; init; }
}

/// <summary><c>GET /v1/trust</c>: the tenant's trust as the document shows it, with what the score is made of.</summary>
public sealed record TenantTrustData(string Level, int Score, decimal AutoTopupCeiling, [property: Description("null at the top level")] string? NextLevel,
    int? NextLevelScore, TenantTrustStatistics Statistics, DateTimeOffset EvaluatedAt);

public sealed record TenantTrustStatistics(int DealsClosed, int DealsCancelled, int DealsExpired, int TenantAgeDays);

public sealed record TenantTrustChangeRecord(string FromLevel, string ToLevel, int Score, string Reason, DateTimeOffset ChangedAt);

public sealed record TenantTrustHistoryData(IReadOnlyList<TenantTrustChangeRecord> History, Pagination Pagination);
