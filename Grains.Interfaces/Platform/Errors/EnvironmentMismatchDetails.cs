namespace Grains.Interfaces.Platform;

/// <summary><c>authorization_error.environment_mismatch</c>: the environment the caller's key may not act on.</summary>
[GenerateSerializer, Immutable, Alias("errors.environment-mismatch")]
public sealed record EnvironmentMismatchDetails([property: Id(0)] string RequestedEnvironment) : DomainErrorDetails;
