using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Grains.Platform.Postgres;

/// <summary>
/// Applies the SQL migrations embedded in this assembly (<c>Platform/Postgres/Migrations/NNNN_name.sql</c>)
/// to a PostgreSQL database, in version order, each exactly once.
/// </summary>
/// <remarks>
/// <para>The target database must already exist; the migrator only creates objects inside it.</para>
/// <para>
/// Several silos may start at once: all of them take the session-level advisory lock
/// <see cref="AdvisoryLockKey"/> before looking at <c>schema_migrations</c>, so they apply migrations one
/// after another and every later one finds nothing left to do.
/// </para>
/// <para>
/// Each migration runs in its own transaction together with its <c>schema_migrations</c> row, so a failed
/// migration leaves no trace and is retried on the next start. A migration whose file changed after it was
/// applied (checksum mismatch) stops the migrator: applied migrations are immutable, add a new file instead.
/// </para>
/// <para>
/// Writing a migration: keep it re-runnable (IF NOT EXISTS, ON CONFLICT), and avoid statements that cannot
/// run inside a transaction block (CREATE INDEX CONCURRENTLY, VACUUM).
/// </para>
/// </remarks>
public sealed partial class SchemaMigrator(string connectionString, ILogger<SchemaMigrator> logger)
{
    /// <summary>
    /// The <c>pg_advisory_lock</c> key all migrators serialize on ("ORLNMIGR" in ASCII). Advisory locks are
    /// per database, so migrations of different databases never wait for each other.
    /// </summary>
    public const long AdvisoryLockKey = 0x4F524C4E_4D494752;

    private const string MigrationsTable = "schema_migrations";

    // Manifest names look like "Grains.Platform.Postgres.Migrations.0001_orleans_clustering.sql".
    [GeneratedRegex(@"\.Migrations\.(?<version>\d+)_(?<name>[A-Za-z0-9_]+)\.sql$", RegexOptions.CultureInvariant)]
    private static partial Regex ResourceNamePattern();

    /// <summary>Applies every embedded migration the database does not have yet.</summary>
    /// <returns>The names (<c>NNNN_name</c>) of the migrations applied by this call, in order.</returns>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        var migrations = LoadMigrations();
        var stopwatch = Stopwatch.StartNew();

        // A dedicated, unpooled connection: a session advisory lock must die with its session, and a pooled
        // connection (especially with No Reset On Close) could hand a still-locked session to someone else.
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Enlist = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);

        await AcquireLockAsync(connection, cancellationToken);
        try
        {
            await ExecuteAsync(connection, null,
                $"""
                CREATE TABLE IF NOT EXISTS {MigrationsTable}
                (
                    version    integer     NOT NULL PRIMARY KEY,
                    name       text        NOT NULL,
                    checksum   text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, cancellationToken);

            var applied = await ReadAppliedAsync(connection, cancellationToken);
            VerifyChecksums(migrations, applied);

            var newlyApplied = new List<string>();
            foreach (var migration in migrations.Where(m => !applied.ContainsKey(m.Version)))
            {
                await ApplyAsync(connection, migration, cancellationToken);
                newlyApplied.Add(migration.FullName);
            }

            var unknown = applied.Keys.Where(v => migrations.All(m => m.Version != v)).Order().ToArray();
            if (unknown.Length > 0)
            {
                // A newer build migrated this database (rolling deployment): not an error for an older one.
                LogUnknownMigrations(string.Join(", ", unknown));
            }

            LogMigrationCompleted(newlyApplied.Count, migrations.Count, stopwatch.ElapsedMilliseconds);
            return newlyApplied;
        }
        finally
        {
            await ReleaseLockAsync(connection);
        }
    }

    /// <summary>The embedded migrations, ordered by version.</summary>
    public static IReadOnlyList<Migration> LoadMigrations()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var match = ResourceNamePattern().Match(resource);
            if (!match.Success)
            {
                continue;
            }

            var version = int.Parse(match.Groups["version"].Value, System.Globalization.CultureInfo.InvariantCulture);
            var name = match.Groups["name"].Value;
            var sql = ReadResource(assembly, resource);
            migrations.Add(new Migration(version, name, $"{match.Groups["version"].Value}_{name}", sql, Checksum(sql)));
        }

        var duplicate = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException(
                $"Duplicate migration version {duplicate.Key}: {string.Join(", ", duplicate.Select(m => m.FullName))}.");
        }

        return [.. migrations.OrderBy(m => m.Version)];
    }

    /// <summary>SHA-256 of the script with line endings normalized, so a CRLF checkout does not look "changed".</summary>
    public static string Checksum(string sql) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql.ReplaceLineEndings("\n"))));

    private async Task AcquireLockAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using (var tryLock = new NpgsqlCommand($"SELECT pg_try_advisory_lock({AdvisoryLockKey})", connection))
        {
            if (await tryLock.ExecuteScalarAsync(cancellationToken) is true)
            {
                return;
            }
        }

        // Someone else is migrating; wait for them (cancellable via the token, which cancels the query).
        LogWaitingForLock(AdvisoryLockKey);
        var waited = Stopwatch.StartNew();
        await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({AdvisoryLockKey})", cancellationToken);
        LogLockAcquired(waited.ElapsedMilliseconds);
    }

    private async Task ReleaseLockAsync(NpgsqlConnection connection)
    {
        // Best effort: closing the unpooled connection releases the lock anyway, and a failure here must
        // not hide the exception that got us into the finally block.
        try
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
            }
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException)
        {
            LogUnlockFailed(exception);
        }
    }

    private static async Task<Dictionary<int, (string Name, string Checksum)>> ReadAppliedAsync(
        NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var applied = new Dictionary<int, (string, string)>();
        await using var command = new NpgsqlCommand($"SELECT version, name, checksum FROM {MigrationsTable}", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            applied[reader.GetInt32(0)] = (reader.GetString(1), reader.GetString(2));
        }

        return applied;
    }

    private void VerifyChecksums(IReadOnlyList<Migration> migrations, Dictionary<int, (string Name, string Checksum)> applied)
    {
        var changed = migrations
            .Where(m => applied.TryGetValue(m.Version, out var row) && row.Checksum != m.Checksum)
            .ToArray();
        if (changed.Length == 0)
        {
            return;
        }

        foreach (var migration in changed)
        {
            LogChecksumMismatch(migration.FullName, applied[migration.Version].Checksum, migration.Checksum);
        }

        throw new InvalidOperationException(
            $"Applied migration(s) changed since they were applied: {string.Join(", ", changed.Select(m => m.FullName))}. "
            + "Applied migrations are immutable; revert the edit and add a new migration instead.");
    }

    private async Task ApplyAsync(NpgsqlConnection connection, Migration migration, CancellationToken cancellationToken)
    {
        LogApplying(migration.FullName, migration.Version);
        var stopwatch = Stopwatch.StartNew();
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            // The whole file as one multi-statement command: PostgreSQL DDL is transactional, so the
            // migration and its bookkeeping row commit together or not at all.
            await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);

            await using var record = new NpgsqlCommand(
                $"INSERT INTO {MigrationsTable} (version, name, checksum) VALUES (@version, @name, @checksum)",
                connection, transaction);
            record.Parameters.AddWithValue("version", migration.Version);
            record.Parameters.AddWithValue("name", migration.Name);
            record.Parameters.AddWithValue("checksum", migration.Checksum);
            await record.ExecuteNonQueryAsync(cancellationToken);

            await transaction.CommitAsync(cancellationToken);
        }
        catch (Exception exception)
        {
            LogMigrationFailed(exception, migration.FullName);
            throw;
        }

        LogApplied(migration.FullName, stopwatch.ElapsedMilliseconds);
    }

    private static async Task ExecuteAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        // DDL on a large table can legitimately take a while; the token is the way to give up.
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string ReadResource(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Embedded migration {resource} could not be opened.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Another process is migrating; waiting for advisory lock {LockKey}")]
    private partial void LogWaitingForLock(long lockKey);

    [LoggerMessage(Level = LogLevel.Information, Message = "Acquired migration lock after {ElapsedMs} ms")]
    private partial void LogLockAcquired(long elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Releasing the migration lock failed; it is released when the connection closes")]
    private partial void LogUnlockFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying migration {Migration} (version {Version})")]
    private partial void LogApplying(string migration, int version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Migration} in {ElapsedMs} ms")]
    private partial void LogApplied(string migration, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Migration {Migration} failed and was rolled back")]
    private partial void LogMigrationFailed(Exception exception, string migration);

    [LoggerMessage(Level = LogLevel.Error, Message = "Migration {Migration} was changed after it was applied: recorded checksum {Recorded}, embedded checksum {Embedded}")]
    private partial void LogChecksumMismatch(string migration, string recorded, string embedded);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database has migrations this build does not know: {Versions}")]
    private partial void LogUnknownMigrations(string versions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema up to date: applied {AppliedCount} of {KnownCount} migrations in {ElapsedMs} ms")]
    private partial void LogMigrationCompleted(int appliedCount, int knownCount, long elapsedMs);

    /// <summary>One embedded migration script.</summary>
    /// <param name="Version">The <c>NNNN</c> prefix.</param>
    /// <param name="Name">The part after the prefix, without extension.</param>
    /// <param name="FullName"><c>NNNN_name</c>, as reported by <see cref="MigrateAsync"/>.</param>
    public sealed record Migration(int Version, string Name, string FullName, string Sql, string Checksum);
}
