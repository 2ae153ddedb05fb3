using System.Text.Json;
using System.Text.Json.Nodes;
using ApiHost.Api;
using ApiHost.Api.Lists;

namespace ApiHost.Api;

/// <summary>
/// The typed wire records: what an endpoint sends is the serialization of one of these, and the OpenAPI schemas are
/// generated from the same types, so the document cannot drift from the responses. Shaping that works on JSON
/// (sparse fieldsets, <c>expand</c>) runs on <see cref="ToObject{T}"/> of the record.
/// </summary>
public static class Wire
{
    public static JsonObject ToObject<T>(T value) => JsonSerializer.SerializeToNode(value, ApiJson.Options)!.AsObject();

    /// <summary>Stored JSON text (metadata, configuration) as a node; null stays null.</summary>
    public static JsonNode? Json(string? text) => text is null ? null : JsonNode.Parse(text);

    /// <summary>Stored metadata: an empty object when there is none.</summary>
    public static JsonNode Metadata(string? text) => text is null ? new JsonObject() : JsonNode.Parse(text)!;
}

/// <summary>The <c>pagination</c> block of every list: every key always present.</summary>
public sealed record Pagination(long Total, int Limit, int Offset, int Count, bool HasMore, string? NextCursor, string? PrevCursor);

/// <summary>A deleted resource of a feature whose answer names only <c>id</c> (contacts, accounts, templates).</summary>
public sealed record ResourceDeleted(string Id, bool Deleted);

/// <summary><c>?validate_only=true</c>: the body passed validation and nothing was written.</summary>
public sealed record ValidationResult(bool Valid, string Message);

/// <summary>
/// Marks a request body record. Its OpenAPI schema lists no property as nullable: generated clients then leave out
/// what the caller did not set instead of sending null (which a PATCH reads as "clear"); "" clears an optional field.
/// </summary>
public interface IApiRequest;

/// <summary>
/// A request field whose values are one of a published list (a static <c>IReadOnlyList&lt;string&gt;</c> such as
/// <c>DealKeys.DealTypes</c>): the OpenAPI schema lists them as an enum, read from the same list the rules check.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class OneOfAttribute(Type holder, string member) : Attribute
{
    public IReadOnlyList<string> Values =>
        (IReadOnlyList<string>)(holder.GetField(member)?.GetValue(null) ?? holder.GetProperty(member)?.GetValue(null)
            ?? throw new InvalidOperationException($"{holder.Name}.{member} is not a static list"));
}
