using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Grains.Interfaces.Deals;

/// <summary>Where terms are used: <c>set-terms</c> needs the version and payment terms; a negotiation round any non-empty subset.</summary>
public enum TermsUse
{
    SetTerms,
    Negotiation,
}

public sealed record TermsError(string Field, string Code, string Message);

/// <summary>
/// The one definition of deal terms: <c>set-terms</c> and negotiation rounds are validated against it, and
/// <c>GET /v1/schema/deal-terms</c> publishes it as JSON Schema. Known fields are typed; other keys are kept as given
/// (the document calls negotiation terms free-form). <c>payment_terms</c> is <c>immediate</c>, <c>net_N</c> (the
/// document uses net_7, net_15, net_30, net_60) or the set-terms object <c>{type, due_date}</c>.
/// </summary>
public static partial class DealTermsSchema
{
    public const string Version = "1.0";
    public const int MaxProperties = 50;

    private static readonly string[] PaymentTypes = ["immediate", "net"];

    private sealed record Property(string Name, JsonObject Schema, Func<JsonElement, string?> Check);

    private static readonly Property[] Properties =
    [
        new("terms_schema_version", new JsonObject { ["type"] = "string", ["enum"] = new JsonArray(Version) },
            v => v.ValueKind == JsonValueKind.String && v.GetString() == Version ? null : $"terms_schema_version must be \"{Version}\""),
        new("price", new JsonObject { ["type"] = "number", ["minimum"] = 0 }, v => Number(v, 0, 1_000_000_000_000m)),
        new("currency", new JsonObject { ["type"] = "string", ["pattern"] = "^[A-Z]{3}$" },
            v => v.ValueKind == JsonValueKind.String && CurrencyPattern().IsMatch(v.GetString()!) ? null : "currency must be an ISO 4217 code like USD"),
        new("payment_terms", new JsonObject
        {
            ["oneOf"] = new JsonArray(
                new JsonObject { ["type"] = "string", ["pattern"] = "^(immediate|net_[0-9]{1,3})$" },
                new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = new JsonObject
                    {
                        ["type"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray([.. PaymentTypes.Select(t => (JsonNode)t)]) },
                        ["due_date"] = new JsonObject { ["type"] = "string", ["format"] = "date" },
                    },
                    ["required"] = new JsonArray("type"),
                }),
        }, PaymentTerms),
        new("discount_percent", new JsonObject { ["type"] = "number", ["minimum"] = 0, ["maximum"] = 100 }, v => Number(v, 0, 100)),
        new("quantity", new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = 1_000_000 }, v => Integer(v, 1, 1_000_000)),
        new("delivery_method", new JsonObject { ["type"] = "string", ["maxLength"] = 255 },
            v => v.ValueKind == JsonValueKind.String && v.GetString()!.Length is > 0 and <= 255 ? null : "delivery_method must be a string of 1-255 characters"),
        new("warranty_months", new JsonObject { ["type"] = "integer", ["minimum"] = 0, ["maximum"] = 600 }, v => Integer(v, 0, 600)),
    ];

    private static readonly IReadOnlyDictionary<TermsUse, string[]> Required = new Dictionary<TermsUse, string[]>
    {
        [TermsUse.SetTerms] = ["terms_schema_version", "payment_terms"],
        [TermsUse.Negotiation] = [],
    };

    /// <summary>Every problem of <paramref name="terms"/>, field names prefixed by <paramref name="path"/> (e.g. <c>terms.</c>).</summary>
    public static IReadOnlyList<TermsError> Validate(JsonElement terms, TermsUse use, string path)
    {
        var name = path.TrimEnd('.');
        if (terms.ValueKind != JsonValueKind.Object)
        {
            return [new TermsError(name, "invalid_type", $"{name} must be an object")];
        }
        var errors = new List<TermsError>();
        var count = 0;
        foreach (var member in terms.EnumerateObject())
        {
            count++;
            if (Properties.FirstOrDefault(p => p.Name == member.Name) is { } property && property.Check(member.Value) is { } message)
            {
                errors.Add(new TermsError(path + member.Name, "invalid", message));
            }
        }
        foreach (var required in Required[use].Where(r => !terms.TryGetProperty(r, out var v) || v.ValueKind == JsonValueKind.Null))
        {
            errors.Add(new TermsError(path + required, "required", $"{required} is required"));
        }
        if (count == 0 && use == TermsUse.Negotiation)
        {
            errors.Add(new TermsError(name, "required", $"{name} must name at least one term (e.g. discount_percent, quantity, payment_terms)"));
        }
        if (count > MaxProperties)
        {
            errors.Add(new TermsError(name, "too_many", $"{name} may hold at most {MaxProperties} terms"));
        }
        return errors;
    }

    /// <summary>The JSON Schema (draft-07) of the terms, with the fields each use requires.</summary>
    public static JsonObject JsonSchema() => new()
    {
        ["$schema"] = "http://json-schema.org/draft-07/schema#",
        ["$id"] = "/v1/schema/deal-terms",
        ["title"] = "DealTerms",
        ["version"] = Version,
        ["type"] = "object",
        ["properties"] = new JsonObject([.. Properties.Select(p => KeyValuePair.Create(p.Name, (JsonNode?)p.Schema.DeepClone()))]),
        ["required"] = new JsonArray([.. Required[TermsUse.SetTerms].Select(r => (JsonNode)r)]),
        ["additionalProperties"] = true,
        ["maxProperties"] = MaxProperties,
        ["x-required-by-use"] = new JsonObject
        {
            ["set-terms"] = new JsonArray([.. Required[TermsUse.SetTerms].Select(r => (JsonNode)r)]),
            ["negotiation"] = new JsonArray(),
        },
        ["description"] = "Deal terms. set-terms requires terms_schema_version and payment_terms; negotiation rounds (proposed_terms) " +
                          "may carry any non-empty subset. Keys not listed here are kept as given.",
    };

    /// <summary>A decimal term (<c>discount_percent</c>, <c>price</c>) if present and numeric.</summary>
    public static decimal? Decimal(string termsJson, string name)
    {
        using var doc = JsonDocument.Parse(termsJson);
        return doc.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out var d) ? d : null;
    }

    private static string? Number(JsonElement v, decimal min, decimal max) =>
        v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out var d) && d >= min && d <= max
            ? null
            : $"must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}";

    private static string? Integer(JsonElement v, int min, int max) =>
        v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) && i >= min && i <= max ? null : $"must be a whole number from {min} to {max}";

    private static string? PaymentTerms(JsonElement v)
    {
        const string Message = "payment_terms must be \"immediate\", \"net_N\" (e.g. \"net_30\") or {\"type\":\"net\",\"due_date\":\"YYYY-MM-DD\"}";
        if (v.ValueKind == JsonValueKind.String)
        {
            return PaymentPattern().IsMatch(v.GetString()!) ? null : Message;
        }
        if (v.ValueKind != JsonValueKind.Object || !v.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String ||
            !PaymentTypes.Contains(type.GetString()))
        {
            return Message;
        }
        if (v.TryGetProperty("due_date", out var due) && (due.ValueKind != JsonValueKind.String ||
            !DateOnly.TryParseExact(due.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)))
        {
            return "payment_terms.due_date must be a date (YYYY-MM-DD)";
        }
        return null;
    }

    [GeneratedRegex("^[A-Z]{3}$")]
    private static partial Regex CurrencyPattern();

    [GeneratedRegex("^(immediate|net_[0-9]{1,3})$")]
    private static partial Regex PaymentPattern();
}
