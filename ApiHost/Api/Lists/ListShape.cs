using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ApiHost.Api.Lists;

/// <summary>
/// The document's response shaping for lists and single reads: <c>fields=a,b</c> keeps only those top-level
/// fields (and always <c>id</c>), <c>exclude=x,y.z</c> removes fields or nested keys, <c>format=minimal</c>
/// keeps only <c>id, status, updated_at</c>. <c>include</c> names nested resources the endpoint should add;
/// the endpoint asks <see cref="Wants"/> before loading them.
/// </summary>
public sealed partial record ListShape(
    IReadOnlySet<string>? Fields,
    IReadOnlySet<string> Include,
    IReadOnlySet<string> Exclude,
    bool Minimal)
{
    public const int MaxNames = 50;

    public static readonly ListShape Full = new(null, new HashSet<string>(), new HashSet<string>(), false);

    private static readonly string[] MinimalFields = ["id", "status", "updated_at"];

    /// <summary>Reads <c>fields</c>, <c>include</c>, <c>exclude</c> and <c>format</c>; bad values are a 400 like <see cref="ListRequest"/>.</summary>
    public static ListShape Parse(HttpRequest request)
    {
        var query = new ListRequest.QueryReader(request.Query);
        var fields = Names(query, "fields");
        var include = Names(query, "include") ?? new HashSet<string>();
        var exclude = Names(query, "exclude") ?? new HashSet<string>();
        var format = query.OneOf("format", ["minimal"]);
        query.ThrowIfInvalid();
        return new ListShape(fields, include, exclude, format == "minimal");
    }

    /// <summary>
    /// Whether the response should carry the nested resource <paramref name="nested"/> (e.g. <c>deals</c>):
    /// asked for by <c>include</c> (or on by default for this endpoint), not excluded, and not shaped away.
    /// </summary>
    public bool Wants(string nested, bool byDefault = false) =>
        !Minimal && !Exclude.Contains(nested) && (Fields is null || Fields.Contains(nested)) && (byDefault || Include.Contains(nested));

    /// <summary>Serializes <paramref name="item"/> the way the API does (<see cref="ApiJson.Options"/>) and shapes it.</summary>
    public JsonObject Apply<T>(T item) =>
        Apply(item as JsonObject ?? JsonSerializer.SerializeToNode(item, ApiJson.Options) as JsonObject
            ?? throw new InvalidOperationException($"{typeof(T).Name} does not serialize to a JSON object."));

    /// <summary>Shapes <paramref name="item"/> in place and returns it.</summary>
    public JsonObject Apply(JsonObject item)
    {
        IEnumerable<string>? keep = Minimal ? MinimalFields : Fields?.Append("id");
        if (keep is not null)
        {
            var kept = keep.ToHashSet(StringComparer.Ordinal);
            foreach (var name in item.Select(p => p.Key).Where(name => !kept.Contains(name)).ToList())
            {
                item.Remove(name);
            }
        }

        foreach (var path in Exclude)
        {
            Remove(item, path.Split('.'));
        }

        return item;
    }

    private static void Remove(JsonObject node, ReadOnlySpan<string> path)
    {
        if (path.Length == 1)
        {
            node.Remove(path[0]);
            return;
        }

        switch (node[path[0]])
        {
            case JsonObject child:
                Remove(child, path[1..]);
                break;
            case JsonArray array:
                // exclude=line_items.cost removes the key from every element.
                foreach (var element in array.OfType<JsonObject>())
                {
                    Remove(element, path[1..]);
                }

                break;
        }
    }

    private static HashSet<string>? Names(ListRequest.QueryReader query, string parameter)
    {
        var text = query.Text(parameter, 2048);
        if (text is null)
        {
            return null;
        }

        var names = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (names.Length > MaxNames || names.Any(name => !NamePattern().IsMatch(name)))
        {
            query.Fail(parameter, "invalid", $"{parameter} must be a comma-separated list of at most {MaxNames} field names");
            return null;
        }

        return names.ToHashSet(StringComparer.Ordinal);
    }

    [GeneratedRegex(@"^[A-Za-z0-9_]{1,64}(\.[A-Za-z0-9_]{1,64}){0,3}$")]
    private static partial Regex NamePattern();
}
