namespace Grains.Interfaces.Platform;

/// <summary>The codes (and categories) of the document's error taxonomy that grains raise by name in more than one place.</summary>
public static class DomainErrorCodes
{
    public const string NotFound = "not_found";
    public const string StaleVersion = "conflict.stale_version";
    public const string InvalidFields = "validation_error.invalid_fields";
    public const string ConflictCategory = "conflict";
    public const string ValidationCategory = "validation_error";
    public const string AuthorizationCategory = "authorization_error";
}
