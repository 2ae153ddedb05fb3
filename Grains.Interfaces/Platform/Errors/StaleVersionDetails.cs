namespace Grains.Interfaces.Platform;

/// <summary><c>conflict.stale_version</c>: the version the resource is at now.</summary>
[GenerateSerializer, Immutable, Alias("errors.stale-version")]
public sealed record StaleVersionDetails([property: Id(0)] long CurrentVersion) : DomainErrorDetails;
