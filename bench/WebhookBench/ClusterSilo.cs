using Harness;
using Npgsql;

namespace WebhookBench;

/// <summary>The webhook bench's silo (<see cref="ClusterSiloHost"/>) and its delivery-row counts.</summary>
public static class ClusterSilo
{
    /// <summary>The silo with loopback http webhook targets allowed (cluster silos refuse them by default: SSRF guard).</summary>
    public static Task<SiloHost> StartAsync(string connectionString) =>
        ClusterSiloHost.StartAsync(connectionString, "webhook-bench", new Dictionary<string, string?> { ["Webhooks:AllowPrivateTargets"] = "true" });

    /// <summary>Delivery rows of the given partitions by status.</summary>
    public static async Task<Dictionary<string, long>> StatusCountsAsync(string connectionString, IEnumerable<string> partitions)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT status, count(*) FROM webhook_delivery WHERE partition = ANY($1) GROUP BY status", connection);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. partitions] });
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }
        return counts;
    }
}
