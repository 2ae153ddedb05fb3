using System.Globalization;

namespace Tests.Telemetry;

/// <summary>Reads the Prometheus text exposition format: the sum of a series' samples whose labels include the given ones.</summary>
public static class PrometheusText
{
    public static double Sum(string text, string name, params string[] labels)
    {
        var total = 0.0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal))
            {
                continue;
            }
            var rest = line[name.Length..];
            if (rest.Length == 0 || (rest[0] != '{' && rest[0] != ' '))
            {
                continue; // another series whose name starts with this one
            }
            var labelText = rest[0] == '{' ? rest[..(rest.IndexOf('}') + 1)] : "";
            if (!labels.All(l => labelText.Contains(l, StringComparison.Ordinal)))
            {
                continue;
            }
            var value = rest[labelText.Length..].Trim().Split(' ')[0];
            total += double.Parse(value, CultureInfo.InvariantCulture);
        }
        return total;
    }
}
