using Grains.Platform.Hosting;

namespace Tests.Platform;

/// <summary>The README is the operator's reference: its configuration table must list every setting the programs read.</summary>
public sealed class ReadmeTests
{
    [Fact]
    public void Configuration_table_lists_every_environment_variable_the_programs_read()
    {
        var table = ConfigurationTable();

        var missing = ConfigurationKeys.All
            .Select(ConfigurationKeys.EnvironmentVariableFor)
            .Where(variable => !table.Contains($"`{variable}`", StringComparison.Ordinal))
            .ToList();

        Assert.True(missing.Count == 0,
            $"README.md's configuration table does not list: {string.Join(", ", missing)} (expected each as `NAME` in a table row under '## Configuration').");
    }

    /// <summary>The table rows (lines starting with <c>|</c>) of the README's <c>## Configuration</c> section.</summary>
    private static string ConfigurationTable()
    {
        var path = Path.Combine(RepositoryRoot(), "README.md");
        Assert.True(File.Exists(path), $"No README.md at the repository root ({path}).");

        var section = File.ReadAllLines(path)
            .SkipWhile(line => !IsHeading(line, "Configuration"))
            .ToList();
        Assert.True(section.Count > 0, "README.md has no '## Configuration' section.");

        var rows = section
            .Skip(1)
            .TakeWhile(line => !line.StartsWith("## ", StringComparison.Ordinal))
            .Where(line => line.TrimStart().StartsWith('|'))
            .ToList();
        Assert.True(rows.Count > 0, "README.md's '## Configuration' section has no table.");
        return string.Join('\n', rows);
    }

    private static bool IsHeading(string line, string title) =>
        line.StartsWith("## ", StringComparison.Ordinal) && line[3..].Trim().Equals(title, StringComparison.OrdinalIgnoreCase);

    /// <summary>The directory holding Orleans.sln, found by walking up from the test binaries.</summary>
    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Orleans.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"No Orleans.sln above {AppContext.BaseDirectory}.");
    }
}
