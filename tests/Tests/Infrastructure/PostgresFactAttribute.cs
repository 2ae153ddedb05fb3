namespace Tests.Infrastructure;

/// <summary>A fact that needs PostgreSQL: skipped when none is configured, unless REQUIRE_POSTGRES=1.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (TestPostgres.BaseConnectionString is null && !TestPostgres.Required)
        {
            Skip = $"PostgreSQL not configured ({TestPostgres.ConnectionStringVariable} unset)";
        }
    }
}
