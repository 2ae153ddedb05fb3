using System.Text.Json;

namespace Grains.Resources;

/// <summary>
/// The JSON document a resource's projection row carries (web defaults, snake_case names): written by the grain's
/// <c>ToRow</c>, read back by its directory grain. One set of options, so every list reads what its grain wrote.
/// </summary>
public static class ResourceDocuments
{
    public static readonly JsonSerializerOptions SnakeCase = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static string Write<T>(T record) => JsonSerializer.Serialize(record, SnakeCase);

    public static T Read<T>(string document) =>
        JsonSerializer.Deserialize<T>(document, SnakeCase) ?? throw new InvalidOperationException($"Empty {typeof(T).Name} document.");
}
