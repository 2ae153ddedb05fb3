namespace Grains.Interfaces.Platform;

/// <summary><c>conflict.transition_conditions_unmet</c>: the move asked for and the conditions it still needs.</summary>
[GenerateSerializer, Immutable, Alias("errors.unmet-conditions")]
public sealed record UnmetConditionsDetails(
    [property: Id(0)] string CurrentStatus,
    [property: Id(1)] string RequestedStatus,
    [property: Id(2)] IReadOnlyList<string> UnmetConditions) : DomainErrorDetails;
