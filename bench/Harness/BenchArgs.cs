using System.Globalization;

namespace Harness;

/// <summary>
/// <c>--name value</c>, <c>--name=value</c> and <c>--flag</c> command-line options (names case-insensitive), plus the
/// options every benchmark shares: the PostgreSQL to use, where results go and the command recorded in them.
/// </summary>
public sealed class BenchArgs
{
    private readonly Dictionary<string, string?> values = new(StringComparer.OrdinalIgnoreCase);

    private BenchArgs()
    {
    }

    public static BenchArgs Parse(string[] args)
    {
        var result = new BenchArgs();
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

    public string Require(string name) => String(name) is { Length: > 0 } value ? value : throw new ArgumentException($"--{name} is required");

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

    public TimeSpan Seconds(string name, double fallback) => TimeSpan.FromSeconds(Double(name, fallback));

    /// <summary><c>--postgres</c>, else <c>ConnectionStrings__Postgres</c>, else null.</summary>
    public string? Postgres =>
        String("postgres") is { Length: > 0 } flag ? flag
        : Environment.GetEnvironmentVariable("ConnectionStrings__Postgres") is { Length: > 0 } env ? env
        : null;

    public string RequirePostgres() =>
        Postgres ?? throw new ArgumentException("--postgres (or ConnectionStrings__Postgres) is required");

    /// <summary>Where the PostgreSQL came from, as bench/bench.sh says (<c>--postgres-source</c>).</summary>
    public string PostgresSource => String("postgres-source", String("postgres") is { Length: > 0 } ? "--postgres" : "ConnectionStrings__Postgres");

    /// <summary>The throwaway server's data directory (<c>--pg-data</c>): its postmaster's processes are PostgreSQL's CPU.</summary>
    public int? PostmasterPid => CpuProbe.PostmasterPid(String("pg-data"));

    /// <summary><c>--results</c>, else <c>bench/results</c> of the repository.</summary>
    public string ResultsDirectory => Path.GetFullPath(String("results") ?? Path.Combine(ReportFiles.RepoRoot(), "bench", "results"));

    /// <summary><c>--command</c>, else the command line as run, without the connection string (it may hold a password).</summary>
    public string Command(string program)
    {
        if (String("command") is { Length: > 0 } given)
        {
            return given;
        }
        var parts = new List<string> { $"dotnet {program}.dll" };
        var args = Environment.GetCommandLineArgs().Skip(1).ToArray();
        for (var i = 0; i < args.Length; i++)
        {
            parts.Add(args[i]);
            if (args[i] == "--postgres" && i + 1 < args.Length)
            {
                parts.Add("<connection string>");
                i++;
            }
        }
        return string.Join(' ', parts);
    }

    /// <summary><c>NAME=VALUE,...</c> pairs (e.g. <c>--server-env</c>).</summary>
    public IReadOnlyDictionary<string, string> Pairs(string name)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (String(name) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new ArgumentException($"--{name} needs NAME=VALUE pairs, got '{pair}'");
            }
            result[pair[..eq]] = pair[(eq + 1)..];
        }
        return result;
    }
}
