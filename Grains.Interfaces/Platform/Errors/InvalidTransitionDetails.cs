namespace Grains.Interfaces.Platform;

/// <summary><c>conflict.invalid_transition</c>: where the resource is, where it was asked to go, and the moves it has from there.</summary>
[GenerateSerializer, Immutable, Alias("errors.invalid-transition")]
public sealed record InvalidTransitionDetails(
    [property: Id(0)] string CurrentStatus,
    [property: Id(1)] string RequestedStatus,
    [property: Id(2)] IReadOnlyList<AllowedTransition> Allowed) : DomainErrorDetails;
