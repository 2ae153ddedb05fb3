namespace Grains.Interfaces.Platform;

/// <summary>
/// The typed <c>details</c> of a <see cref="DomainException"/>. Each kind is a record of its own; the HTTP edge writes
/// it as the envelope's <c>details</c> (snake_case property names).
/// </summary>
[GenerateSerializer, Immutable, Alias("errors.details")]
public abstract record DomainErrorDetails;
