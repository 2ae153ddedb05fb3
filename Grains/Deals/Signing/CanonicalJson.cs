using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Grains.Deals.Signing;

/// <summary>
/// One text per JSON value, so hashes and signatures do not depend on how a document happened to be written: object
/// keys sorted ordinally, no insignificant whitespace, arrays in order, numbers exactly as written in the input (never
/// re-formatted through a float, so money keeps its digits), strings re-escaped one way (only <c>"</c>, <c>\</c> and
/// control characters are escaped, with the short forms where JSON has them).
/// </summary>
public static class CanonicalJson
{
    /// <exception cref="JsonException">The input is not JSON, an object repeats a key (its meaning would be ambiguous) or a
    /// string escapes a lone surrogate.</exception>
    public static string Canonicalize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var document = JsonDocument.Parse(json);
        var output = new StringBuilder(json.Length);
        try
        {
            Write(document.RootElement, output);
        }
        catch (InvalidOperationException ex)
        {
            // A string escaping a lone surrogate has no text form; callers expect one exception type for bad input.
            throw new JsonException("The JSON holds a string that is not valid UTF-16.", ex);
        }
        return output.ToString();
    }

    /// <summary>Lowercase hex of the SHA-256 of <paramref name="text"/> as UTF-8.</summary>
    public static string Sha256Hex(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    private static void Write(JsonElement element, StringBuilder output)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var properties = element.EnumerateObject().ToList();
                properties.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
                output.Append('{');
                for (var i = 0; i < properties.Count; i++)
                {
                    if (i > 0)
                    {
                        if (string.Equals(properties[i - 1].Name, properties[i].Name, StringComparison.Ordinal))
                        {
                            throw new JsonException($"Duplicate key \"{properties[i].Name}\" in a JSON object.");
                        }
                        output.Append(',');
                    }
                    WriteString(properties[i].Name, output);
                    output.Append(':');
                    Write(properties[i].Value, output);
                }
                output.Append('}');
                break;
            case JsonValueKind.Array:
                output.Append('[');
                var first = true;
                foreach (var item in element.EnumerateArray())
                {
                    if (!first)
                    {
                        output.Append(',');
                    }
                    first = false;
                    Write(item, output);
                }
                output.Append(']');
                break;
            case JsonValueKind.String:
                WriteString(element.GetString()!, output);
                break;
            case JsonValueKind.Number:
                // The reader validated the number's grammar; the raw text is its exact digits.
                output.Append(element.GetRawText());
                break;
            case JsonValueKind.True:
                output.Append("true");
                break;
            case JsonValueKind.False:
                output.Append("false");
                break;
            case JsonValueKind.Null:
                output.Append("null");
                break;
            default:
                throw new JsonException($"Unexpected JSON value kind {element.ValueKind}.");
        }
    }

    private static void WriteString(string value, StringBuilder output)
    {
        output.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    output.Append("\\\"");
                    break;
                case '\\':
                    output.Append("\\\\");
                    break;
                case '\b':
                    output.Append("\\b");
                    break;
                case '\f':
                    output.Append("\\f");
                    break;
                case '\n':
                    output.Append("\\n");
                    break;
                case '\r':
                    output.Append("\\r");
                    break;
                case '\t':
                    output.Append("\\t");
                    break;
                case < ' ':
                    output.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    output.Append(c);
                    break;
            }
        }
        output.Append('"');
    }
}
