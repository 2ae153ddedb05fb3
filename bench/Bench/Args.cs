using System.Globalization;

namespace Bench;

/// <summary><c>--name value</c> and <c>--flag</c> command-line options.</summary>
public sealed class Args
{
    private readonly Dictionary<string, string?> values = new(StringComparer.OrdinalIgnoreCase);

    private Args()
    {
    }

    public static Args Parse(string[] args)
    {
        var result = new Args();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"unexpected argument '{arg}'");
            }

            var name = arg[2..];
            string? value = null;
            var eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }

            result.values[name] = value;
        }

        return result;
    }

    public bool Has(string name) => values.ContainsKey(name);

    public string? String(string name) => values.TryGetValue(name, out var value) ? value : null;

    public string String(string name, string fallback) => String(name) is { Length: > 0 } value ? value : fallback;

    public int Int(string name, int fallback) => String(name) is { } value
        ? int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) && parsed >= 0
            ? parsed
            : throw new ArgumentException($"--{name} needs a non-negative integer, got '{value}'")
        : fallback;

    public double Double(string name, double fallback) => String(name) is { } value
        ? double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && parsed >= 0
            ? parsed
            : throw new ArgumentException($"--{name} needs a non-negative number, got '{value}'")
        : fallback;
}
