using Npgsql;

namespace Grains.Platform.Postgres;

/// <summary>Typed Npgsql parameters for the stores: one value, or one column of a batch of rows as an array (read with <c>unnest</c>).</summary>
public static class PgParameters
{
    public static NpgsqlParameter<string> Text(string value) => new() { TypedValue = value };

    public static NpgsqlParameter<T[]> Column<TRow, T>(IEnumerable<TRow> rows, Func<TRow, T> field) => new() { TypedValue = [.. rows.Select(field)] };
}
