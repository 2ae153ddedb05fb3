namespace Grains.Interfaces.Platform;

/// <summary>
/// A rule of the domain refused an operation (not found, conflict, invalid state). Grains throw it;
/// the API maps <see cref="Code"/> (<c>category.specific</c>) and <see cref="Status"/> to the error envelope.
/// Expected outcomes only: anything else is a bug and becomes a 500.
/// </summary>
[GenerateSerializer, Alias("DomainException")]
public sealed class DomainException : Exception
{
    public DomainException(int status, string code, string message, string? detailsJson = null) : base(message)
    {
        Status = status;
        Code = code;
        DetailsJson = detailsJson;
    }

    [Id(0)] public int Status { get; }

    [Id(1)] public string Code { get; }

    /// <summary>Optional JSON object for <c>details</c>, kept as text so it crosses the wire unchanged.</summary>
    [Id(2)] public string? DetailsJson { get; }

    public string Category => Code.Contains('.') ? Code[..Code.IndexOf('.')] : Code;

    public static DomainException NotFound(string what = "Resource") => new(404, "not_found", $"{what} not found");

    public static DomainException Conflict(string code, string message, string? detailsJson = null) => new(409, code, message, detailsJson);

    public static DomainException StaleVersion(long current) =>
        new(412, "conflict.stale_version", "Resource has been modified by another request. Refresh and retry.", $"{{\"current_version\":{current}}}");

    public static DomainException Invalid(string field, string code, string message) =>
        new(400, "validation_error.invalid_fields", message,
            $"{{\"fields\":{{{System.Text.Json.JsonSerializer.Serialize(field)}:{{\"code\":{System.Text.Json.JsonSerializer.Serialize(code)},\"message\":{System.Text.Json.JsonSerializer.Serialize(message)}}}}}}}");
}
