using System.Data.Common;
using Grains.Interfaces.Platform;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Grains.Platform;

/// <summary>
/// Turns a storage driver's exception escaping a grain call into a type every caller can deserialize:
/// <see cref="StorageUnavailableException"/> when a retry may succeed, <see cref="StorageFailureException"/> when not.
/// Without it, <c>Npgsql.PostgresException</c> has no Orleans codec: the caller got a <c>CodecNotFoundException</c> and
/// answered 500, and an idempotency key release failing on it stayed blocked.
/// </summary>
public sealed class StorageErrorFilter(ILogger<StorageErrorFilter> logger) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception ex) when (Translate(ex) is { } translated)
        {
            logger.LogWarning(ex, "Storage error in {Grain}.{Method}; answered as {Type}", context.TargetId, context.MethodName, translated.GetType().Name);
            throw translated;
        }
    }

    // Connection exceptions (08), insufficient resources (53), operator intervention such as a server shutting down
    // or restarting (57P): the server, not the request, is at fault.
    private static bool IsPassing(string? sqlState) =>
        sqlState is not null && (sqlState.StartsWith("08", StringComparison.Ordinal) || sqlState.StartsWith("53", StringComparison.Ordinal)
            || sqlState.StartsWith("57P", StringComparison.Ordinal));

    /// <summary>The exception to throw instead of <paramref name="ex"/>, or null when it is not a storage error.</summary>
    public static Exception? Translate(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is DbException db)
            {
                var state = (db as PostgresException)?.SqlState;
                return db.IsTransient || IsPassing(state)
                    ? new StorageUnavailableException("The database is unavailable; retry shortly.")
                    : new StorageFailureException($"{db.GetType().Name} {state}: {db.Message}");
            }
        }
        return null;
    }
}
