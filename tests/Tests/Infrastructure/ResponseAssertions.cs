using System.Text.Json;

namespace Tests.Infrastructure;

public static class ResponseAssertions
{
    public static string ETag(this HttpResponseMessage response) => response.Headers.ETag?.ToString() ?? "(none)";

    /// <summary><c>details.fields.&lt;field&gt;.code</c> of a 400 <c>validation_error.invalid_fields</c>.</summary>
    public static string FieldCode(this JsonElement body, string field)
    {
        Assert.Equal("validation_error.invalid_fields", body.Code());
        Assert.True(body.GetProperty("details").GetProperty("fields").TryGetProperty(field, out var error),
            $"details.fields has no '{field}': {body}");
        return error.GetProperty("code").GetString()!;
    }

    public static string Str(this JsonElement element, string property) => element.GetProperty(property).GetString()!;
}
