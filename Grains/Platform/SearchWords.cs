using System.Text;

namespace Grains.Platform;

/// <summary>The one tokenizer for search: lower-cased runs of letters and digits ("Acme Corp." → acme, corp).</summary>
public static class SearchWords
{
    public static IEnumerable<string> Of(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            yield break;
        }
        var word = new StringBuilder();
        foreach (var c in text.ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c))
            {
                word.Append(c);
            }
            else if (word.Length > 0)
            {
                yield return word.ToString();
                word.Clear();
            }
        }
        if (word.Length > 0)
        {
            yield return word.ToString();
        }
    }
}
