using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Harness;

/// <summary>
/// Where results go and how: <c>&lt;name&gt;-&lt;UTC&gt;.json</c> (every figure) next to <c>&lt;name&gt;-latest.md</c>
/// (the summary, overwritten by each run) in <c>bench/results</c>.
/// </summary>
public static class ReportFiles
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes both files; <paramref name="markdown"/> gets the JSON file's name to link it.</summary>
    public static async Task<(string Json, string Markdown)> WriteAsync(string directory, string name, DateTimeOffset started, object document,
        Func<string, string> markdown)
    {
        Directory.CreateDirectory(directory);
        var stamp = started.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var json = Path.Combine(directory, $"{name}-{stamp}.json");
        await File.WriteAllTextAsync(json, JsonSerializer.Serialize(document, document.GetType(), Json) + "\n");
        var md = await WriteMarkdownAsync(directory, name, markdown(Path.GetFileName(json)));
        return (json, md);
    }

    /// <summary>Writes <c>&lt;name&gt;-latest.md</c> alone (benchmarks whose figures all fit the summary).</summary>
    public static async Task<string> WriteMarkdownAsync(string directory, string name, string markdown)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"{name}-latest.md");
        await File.WriteAllTextAsync(path, markdown);
        return path;
    }

    /// <summary>The repository root (the directory holding Orleans.sln above this program), else the current directory.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.sln")))
            {
                return dir.FullName;
            }
        }
        return Directory.GetCurrentDirectory();
    }
}
