namespace Grains.Interfaces.Platform;

/// <summary><c>conflict.escrow_conditions_unmet</c>: the escrow and the conditions still pending.</summary>
[GenerateSerializer, Immutable, Alias("errors.escrow-conditions-unmet")]
public sealed record EscrowConditionsUnmetDetails(
    [property: Id(0)] string EscrowId,
    [property: Id(1)] IReadOnlyList<PendingEscrowCondition> PendingConditions) : DomainErrorDetails;
