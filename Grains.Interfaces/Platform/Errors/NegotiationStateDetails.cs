namespace Grains.Interfaces.Platform;

/// <summary>
/// A negotiation step that is not allowed now (<c>conflict.invalid_negotiation_state</c>, <c>conflict.negotiation_turn</c>,
/// <c>conflict.cannot_accept_own_proposal</c>): where the negotiation is, whose turn it is and what may be done next.
/// </summary>
[GenerateSerializer, Immutable, Alias("errors.negotiation-state")]
public sealed record NegotiationStateDetails(
    [property: Id(0)] string? Status,
    [property: Id(1)] string RequestedAction,
    [property: Id(2)] string Party,
    [property: Id(3)] string? Awaiting,
    [property: Id(4)] IReadOnlyList<string> AllowedActions,
    [property: Id(5)] int? Round) : DomainErrorDetails;
