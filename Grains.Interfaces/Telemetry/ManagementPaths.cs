namespace Grains.Interfaces.Telemetry;

/// <summary>
/// The management routes (Orleans dashboard, Prometheus metrics): served only on the management port, and exempt from
/// the API's per-IP limits. Shared so ApiHost's middleware and the silo hosting agree without ApiHost using Grains.
/// </summary>
public static class ManagementPaths
{
    public const string Dashboard = "/dashboard";
    public const string Metrics = "/metrics";

    /// <summary>True for <c>/dashboard</c>, <c>/metrics</c> and anything below them (segment-wise, case-insensitive).</summary>
    public static bool Contains(string? path) => IsUnder(path, Dashboard) || IsUnder(path, Metrics);

    private static bool IsUnder(string? path, string root) =>
        path is not null && path.StartsWith(root, StringComparison.OrdinalIgnoreCase) && (path.Length == root.Length || path[root.Length] == '/');
}
