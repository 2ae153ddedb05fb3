namespace Grains.Interfaces.Platform;

/// <summary>403 <c>trust_cap_exceeded</c>: the key's level, its per-deal cap and the attempted amount.</summary>
[GenerateSerializer, Immutable, Alias("errors.trust-cap")]
public sealed record TrustCapDetails(
    [property: Id(0)] int TrustLevel,
    [property: Id(1)] decimal TransactionCap,
    [property: Id(2)] decimal AttemptedAmount) : DomainErrorDetails;

/// <summary>403 <c>authorization_error.trust_level_insufficient</c>: the key's level, the level needed and for what.</summary>
[GenerateSerializer, Immutable, Alias("errors.trust-level")]
public sealed record TrustLevelDetails(
    [property: Id(0)] int TrustLevel,
    [property: Id(1)] int RequiredLevel,
    [property: Id(2)] string Capability) : DomainErrorDetails;

/// <summary>403 <c>authorization_error.capability_locked</c>: the locked capability, why, and until when.</summary>
[GenerateSerializer, Immutable, Alias("errors.trust-lock")]
public sealed record TrustLockDetails(
    [property: Id(0)] string Capability,
    [property: Id(1)] string Reason,
    [property: Id(2)] DateTimeOffset? LockedUntil) : DomainErrorDetails;

public static class TrustErrors
{
    public const string CapabilityLocked = "authorization_error.capability_locked";
    public const string CapExceeded = "trust_cap_exceeded";
    public const string LevelInsufficient = "authorization_error.trust_level_insufficient";
}
