using System.Text.Json;
using Grains.Interfaces.Platform;

namespace ApiHost.Api;

/// <summary>Maps a grain's <see cref="DomainException"/> onto the document's error envelope.</summary>
public static class DomainErrors
{
    public static ApiError ToApiError(DomainException ex)
    {
        object? details = ex.DetailsJson is null ? null : JsonSerializer.Deserialize<JsonElement>(ex.DetailsJson);
        var recovery = ex.Status switch
        {
            404 => new Recovery("check_resource_id", false, "Verify the resource ID exists and you have access to it."),
            412 => new Recovery("refetch_and_retry", true, "Read the current resource version, merge your changes, and retry with the new ETag."),
            409 => new Recovery("fix_request", false, "Fetch the resource to check its current state."),
            _ => new Recovery("fix_request", false, "Read the message for what to change."),
        };
        return new ApiError(ex.Status, ex.Code, ex.Category, ex.Message, recovery, details);
    }
}
