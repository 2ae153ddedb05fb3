using System.Text.Json;
using System.Text.RegularExpressions;
using Grains.Interfaces.Platform;

namespace ApiHost.Api;

/// <summary>
/// What the document's CRUD resources (customers, products, ...) share on the wire: ids in the path or as
/// <c>?id=</c>, <c>?validate_only=true</c>, PATCH semantics for null, and 412 answers carrying the current resource.
/// </summary>
public static partial class ResourceRequests
{
    /// <summary>
    /// The id of the resource to change: 400 when absent, 404 when it cannot be one of ours (so junk never
    /// activates a grain, and a malformed id answers like another tenant's).
    /// </summary>
    public static string RequireId(string? id, string prefix, string what)
    {
        if (string.IsNullOrEmpty(id))
        {
            throw new ApiException(ApiError.BadRequest("The id query parameter is required", new { parameter = "id" }));
        }
        return IsWellFormedId(id, prefix) ? id : throw new ApiException(ApiError.NotFound($"{what} not found"));
    }

    /// <summary>Ids are <c>{prefix}_</c> and 24 lower-case hex characters (<see cref="Grains.Interfaces.Platform.ResourceIds"/>).</summary>
    public static bool IsWellFormedId(string id, string prefix) =>
        id.Length == prefix.Length + 25 && id.StartsWith(prefix + "_", StringComparison.Ordinal) && Hex24().IsMatch(id.AsSpan(prefix.Length + 1));

    /// <summary><c>?validate_only=true</c> (or 1): check the body, create nothing. Anything but true/false/1/0 is a 400.</summary>
    public static bool ValidateOnly(HttpRequest request)
    {
        var value = request.Query["validate_only"].ToString().Trim();
        return value.ToLowerInvariant() switch
        {
            "" or "false" or "0" => false,
            "true" or "1" => true,
            _ => throw new ApiException(ApiError.BadRequest("validate_only must be true or false", new { parameter = "validate_only" })),
        };
    }

    public static ValidationResult ValidationPassed => new(true, "Validation passed");

    /// <summary>
    /// The documented fields a PATCH body sets to nothing (<c>null</c> or a blank string). Call after the
    /// <see cref="FieldReader"/> accepted the body; the grain then clears them or restores their default.
    /// </summary>
    public static IReadOnlyList<string> ClearedFields(JsonElement body, IEnumerable<string> names) =>
        names.Where(name => body.TryGetProperty(name, out var value) &&
                            (value.ValueKind == JsonValueKind.Null ||
                             (value.ValueKind == JsonValueKind.String && string.IsNullOrWhiteSpace(value.GetString()))))
            .ToList();

    /// <summary>
    /// Runs a versioned write; when the grain reports a stale version, answers 412 <c>conflict.stale_version</c>
    /// with the resource as it is now in <c>data</c> (in the same shape as a GET's <c>data</c>), so the client can merge.
    /// </summary>
    public static async Task<T> WithCurrentOnStale<T>(Func<Task<T>> write, Func<Task<object>> current)
    {
        try
        {
            return await write();
        }
        catch (DomainException ex) when (ex.IsStaleVersion)
        {
            throw new ApiException(ApiError.StaleVersion(await current()));
        }
    }

    /// <summary>A versioned delete: 412 <c>conflict.stale_version</c> with the resource as it is now when the version is stale.</summary>
    public static Task DeleteVersioned(Func<Task> delete, Func<Task<object>> current) => WithCurrentOnStale(async () =>
    {
        await delete();
        return true;
    }, current);

    [GeneratedRegex("^[0-9a-f]{24}$")]
    private static partial Regex Hex24();
}
