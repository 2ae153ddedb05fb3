namespace Grains.Interfaces.Platform;

/// <summary>One refused request field: written as <c>details.fields.{Field} = {code, message}</c>.</summary>
[GenerateSerializer, Immutable, Alias("errors.invalid-field")]
public sealed record InvalidFieldDetails([property: Id(0)] string Field, [property: Id(1)] string Code, [property: Id(2)] string Message)
    : DomainErrorDetails;
