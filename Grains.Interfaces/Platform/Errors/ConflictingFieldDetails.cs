namespace Grains.Interfaces.Platform;

/// <summary>A conflict caused by one field's value (e.g. <c>conflict.duplicate_email</c>): <c>{"field":"email"}</c>.</summary>
[GenerateSerializer, Immutable, Alias("errors.conflicting-field")]
public sealed record ConflictingFieldDetails([property: Id(0)] string Field) : DomainErrorDetails;
