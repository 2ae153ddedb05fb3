using System.Globalization;
using System.Net.Mail;
using System.Text.Json;
using System.Text.RegularExpressions;
using Grains.Interfaces.Money;

namespace ApiHost.Api;

/// <summary>
/// Reads documented fields from a JSON body and collects every problem into <c>details.fields</c>.
/// Only fields asked for are read, so undocumented and system fields are silently dropped
/// (mass-assignment protection). Call <see cref="ThrowIfInvalid"/> before using any value.
/// </summary>
public sealed partial class FieldReader(JsonElement body)
{
    public const int NameMaxLength = 255;
    public const int DescriptionMaxLength = 10_000;

    private readonly Dictionary<string, FieldError> errors = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, FieldError> Errors => errors;

    public bool IsValid => errors.Count == 0;

    /// <summary>A value read as empty is no value (null): what a stored optional text holds for "nothing".</summary>
    public static string? Blank(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>Whether the body carries the field at all (PATCH: absent means unchanged).</summary>
    public bool Has(string name) => body.TryGetProperty(name, out _);

    /// <summary>The field is present as JSON null.</summary>
    public bool IsNull(string name) => body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Null;

    public void Fail(string name, string code, string message) => errors.TryAdd(name, new FieldError(code, message));

    public void ThrowIfInvalid()
    {
        if (errors.Count > 0)
        {
            throw new ApiException(ApiError.InvalidFields(errors));
        }
    }

    /// <summary>
    /// Reads each element of an array of objects with its own reader; their problems land here as <c>name[i].field</c>.
    /// An absent or non-array field reads as empty; a non-object element reads as <c>{}</c> (so its required fields fail).
    /// </summary>
    public IReadOnlyList<T> Objects<T>(string name, Func<FieldReader, T> read)
    {
        var results = new List<T>();
        if (body.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array)
        {
            foreach (var element in array.EnumerateArray())
            {
                results.Add(Nested($"{name}[{results.Count}].", element.ValueKind == JsonValueKind.Object ? element : EmptyObject, read));
            }
        }
        return results;
    }

    /// <summary>Reads a nested object (when the field is one) with its own reader; its problems land here as <c>name.field</c>.</summary>
    public T? Object<T>(string name, Func<FieldReader, T> read) where T : class =>
        body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? Nested($"{name}.", value, read) : null;

    private T Nested<T>(string prefix, JsonElement element, Func<FieldReader, T> read)
    {
        var reader = new FieldReader(element);
        var result = read(reader);
        foreach (var (field, error) in reader.Errors)
        {
            Fail(prefix + field, error.Code, error.Message);
        }
        return result;
    }

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement;

    public string? String(string name, bool required = false, int maxLength = NameMaxLength, bool allowEmpty = false)
    {
        if (!TryGet(name, required, out var value))
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            Fail(name, "invalid_type", $"{name} must be a string");
            return null;
        }
        if (!TryGetText(value, out var raw))
        {
            Fail(name, "invalid", $"{name} must be valid Unicode text");
            return null;
        }
        var text = raw.Trim();
        if (text.Length == 0 && !allowEmpty)
        {
            if (required)
            {
                Fail(name, "required", $"{name} is required");
            }
            return required ? null : "";
        }
        if (text.Length > maxLength)
        {
            Fail(name, "too_long", $"{name} must be at most {maxLength} characters");
            return null;
        }
        return text;
    }

    public string? Enum(string name, IReadOnlyCollection<string> allowed, bool required = false)
    {
        var text = String(name, required, 64);
        if (text is null || text.Length == 0)
        {
            return text is null ? null : NullIfNotRequired(name, required);
        }
        // Case-insensitive, answered in the listed form: generated clients (NSwag with System.Text.Json) send an enum's
        // member name ("Once_off") rather than its value ("once_off").
        var match = allowed.FirstOrDefault(a => string.Equals(a, text, StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            Fail(name, "invalid", $"{name} must be one of: {string.Join(", ", allowed)}");
            return null;
        }
        return match;
    }

    public string? Email(string name, bool required = false)
    {
        var text = String(name, required);
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }
        if (!MailAddress.TryCreate(text, out var address) || address.Address != text || !text.Contains('.', StringComparison.Ordinal))
        {
            Fail(name, "invalid", $"{name} must be a valid email address");
            return null;
        }
        return text.ToLowerInvariant();
    }

    /// <summary>E.164: '+', country code, up to 15 digits. Spaces, dashes and brackets are removed first.</summary>
    public string? Phone(string name, bool required = false)
    {
        var text = String(name, required, 32);
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }
        var normalised = PhoneSeparators().Replace(text, "");
        if (!E164().IsMatch(normalised))
        {
            Fail(name, "invalid", $"{name} must be in E.164 format, e.g. +61412345678");
            return null;
        }
        return normalised;
    }

    /// <summary>ISO 4217 alphabetic code, upper-cased.</summary>
    public string? Currency(string name, bool required = false)
    {
        var text = String(name, required, 3);
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }
        var code = text.ToUpperInvariant();
        if (!Currencies.IsKnown(code))
        {
            Fail(name, "invalid", $"{name} must be an ISO 4217 currency code, e.g. USD");
            return null;
        }
        return code;
    }

    public decimal? Decimal(string name, bool required = false, decimal min = decimal.MinValue, decimal max = decimal.MaxValue)
    {
        if (!TryGet(name, required, out var value))
        {
            return null;
        }
        decimal number;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out number)) { }
        else if (value.ValueKind == JsonValueKind.String &&
                 decimal.TryParse(value.GetString(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out number)) { }
        else
        {
            Fail(name, "invalid_type", $"{name} must be a number");
            return null;
        }
        if (number < min || number > max)
        {
            Fail(name, "out_of_range", max == decimal.MaxValue ? $"{name} must be at least {min}" : $"{name} must be between {min} and {max}");
            return null;
        }
        return number;
    }

    public int? Integer(string name, bool required = false, int min = int.MinValue, int max = int.MaxValue)
    {
        if (!TryGet(name, required, out var value))
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            Fail(name, "invalid_type", $"{name} must be a whole number");
            return null;
        }
        if (number < min || number > max)
        {
            Fail(name, "out_of_range", $"{name} must be between {min} and {max}");
            return null;
        }
        return number;
    }

    public bool? Boolean(string name, bool required = false)
    {
        if (!TryGet(name, required, out var value))
        {
            return null;
        }
        switch (value.ValueKind)
        {
            case JsonValueKind.True: return true;
            case JsonValueKind.False: return false;
            case JsonValueKind.Number when value.TryGetInt32(out var n) && n is 0 or 1: return n == 1;
            default:
                Fail(name, "invalid_type", $"{name} must be true or false");
                return null;
        }
    }

    /// <summary>Tax rate as a fraction 0..1; values ≥ 1 are percentages and divided by 100 (10 → 0.1000).</summary>
    public decimal? TaxRate(string name, bool required = false)
    {
        var rate = Decimal(name, required, 0m, 100m);
        if (rate is null)
        {
            return null;
        }
        return TaxRates.Normalise(rate.Value);
    }

    public IReadOnlyList<string>? StringList(string name, int maxItems = 100, int maxLength = NameMaxLength)
    {
        if (!TryGet(name, false, out var value))
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() > maxItems)
        {
            Fail(name, "invalid_type", $"{name} must be an array of at most {maxItems} strings");
            return null;
        }
        var items = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || !TryGetText(item, out var text) || text.Length > maxLength)
            {
                Fail(name, "invalid", $"{name} must contain strings of at most {maxLength} characters");
                return null;
            }
            items.Add(text);
        }
        return items;
    }

    /// <summary>Arbitrary metadata: an object nested at most 3 levels deep, kept as raw JSON.</summary>
    public string? Metadata(string name, int maxDepth = 3)
    {
        if (!TryGet(name, false, out var value))
        {
            return null;
        }
        if (value.ValueKind == JsonValueKind.Null)
        {
            return "{}";
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            Fail(name, "invalid_type", $"{name} must be an object");
            return null;
        }
        if (Depth(value) > maxDepth)
        {
            Fail(name, "too_deep", $"{name} may be nested at most {maxDepth} levels deep");
            return null;
        }
        return value.GetRawText();
    }

    public string? Url(string name, bool required = false)
    {
        var text = String(name, required, 2048);
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            Fail(name, "invalid", $"{name} must be an absolute http(s) URL");
            return null;
        }
        return text;
    }

    public DateTimeOffset? Timestamp(string name, bool required = false)
    {
        var text = String(name, required, 64);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            Fail(name, "invalid", $"{name} must be an ISO 8601 timestamp");
            return null;
        }
        return at.ToUniversalTime();
    }

    private bool TryGet(string name, bool required, out JsonElement value)
    {
        if (!body.TryGetProperty(name, out value) || (value.ValueKind == JsonValueKind.Null && required))
        {
            if (required)
            {
                Fail(name, "required", $"{name} is required");
            }
            return false;
        }
        return value.ValueKind != JsonValueKind.Null;
    }

    /// <summary>JSON may carry lone surrogates (\ud800) that are not text; reading them throws.</summary>
    private static bool TryGetText(JsonElement value, out string text)
    {
        try
        {
            text = value.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            text = "";
            return false;
        }
    }

    private string? NullIfNotRequired(string name, bool required)
    {
        if (required)
        {
            Fail(name, "required", $"{name} is required");
        }
        return null;
    }

    private static int Depth(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => 1 + element.EnumerateObject().Select(p => Depth(p.Value)).DefaultIfEmpty(0).Max(),
        JsonValueKind.Array => element.EnumerateArray().Select(Depth).DefaultIfEmpty(0).Max(),
        _ => 0,
    };

    [GeneratedRegex(@"[\s\-\(\)\.]")]
    private static partial Regex PhoneSeparators();

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex E164();
}
