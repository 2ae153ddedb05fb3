using Npgsql;

namespace Grains.Platform.Postgres;

/// <summary>Connection-string defaults for the Orleans ADO.NET providers and our own PostgreSQL access.</summary>
public static class PostgresConnectionStrings
{
    /// <summary>
    /// Returns <paramref name="connectionString"/> with performance settings added, leaving any key the
    /// operator already set (under any of its Npgsql synonyms) untouched:
    /// <list type="bullet">
    /// <item><c>Max Auto Prepare=64</c>, <c>Auto Prepare Min Usages=2</c>: the Orleans providers send the same
    /// few statements over and over through plain ADO.NET; auto-preparing them skips parse/plan per call.</item>
    /// <item><c>No Reset On Close=true</c>: skips the DISCARD ALL round trip each time a pooled connection is
    /// returned; we never leave session state behind (and DISCARD would drop the prepared statements).</item>
    /// <item><c>Maximum Pool Size=200</c>: grain activations write concurrently; the default 100 queues them.</item>
    /// </list>
    /// </summary>
    public static string Tune(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        // Keys holds the canonical names of the keys actually present (synonyms are normalized), whereas
        // ContainsKey only says whether a keyword is valid.
        var present = new HashSet<string>(builder.Keys.Cast<string>(), StringComparer.OrdinalIgnoreCase);

        if (!present.Contains("Max Auto Prepare"))
        {
            builder.MaxAutoPrepare = 64;
        }

        if (!present.Contains("Auto Prepare Min Usages"))
        {
            builder.AutoPrepareMinUsages = 2;
        }

        if (!present.Contains("No Reset On Close"))
        {
            builder.NoResetOnClose = true;
        }

        if (!present.Contains("Maximum Pool Size"))
        {
            builder.MaxPoolSize = 200;
        }

        return builder.ConnectionString;
    }
}
