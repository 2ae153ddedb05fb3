namespace Grains.Interfaces.Platform;

/// <summary>One move a resource has from its status: the target status and the action that makes it.</summary>
[GenerateSerializer, Immutable, Alias("errors.allowed-transition")]
public sealed record AllowedTransition([property: Id(0)] string Target, [property: Id(1)] string Action);
