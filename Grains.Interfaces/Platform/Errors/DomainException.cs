namespace Grains.Interfaces.Platform;

/// <summary>
/// A rule of the domain refused an operation (not found, conflict, invalid state). Grains throw it with a code from the
/// document's taxonomy (<c>category.specific</c>) and, where the document shows one, a typed <see cref="Details"/> record;
/// the HTTP edge alone decides status and envelope (one table). Expected outcomes only: anything else is a bug (500).
/// </summary>
[GenerateSerializer, Alias("DomainException")]
public sealed class DomainException : Exception
{
    public DomainException(string code, string message, DomainErrorDetails? details = null) : base(message)
    {
        Code = code;
        Details = details;
    }

    [Id(0)] public string Code { get; }

    [Id(1)] public DomainErrorDetails? Details { get; }

    public string Category => Code.Contains('.') ? Code[..Code.IndexOf('.')] : Code;

    public bool IsNotFound => Code == DomainErrorCodes.NotFound;

    public bool IsStaleVersion => Code == DomainErrorCodes.StaleVersion;

    public static DomainException NotFound(string what = "Resource") => new(DomainErrorCodes.NotFound, $"{what} not found");

    public static DomainException Conflict(string code, string message, DomainErrorDetails? details = null) => new(code, message, details);

    public static DomainException StaleVersion(long current) =>
        new(DomainErrorCodes.StaleVersion, "Resource has been modified by another request. Refresh and retry.", new StaleVersionDetails(current));

    /// <summary>One field of the request breaks a rule (<c>details.fields.{field}</c>).</summary>
    public static DomainException Invalid(string field, string code, string message) =>
        new(DomainErrorCodes.InvalidFields, message, new InvalidFieldDetails(field, code, message));
}
