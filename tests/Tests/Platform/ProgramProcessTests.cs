using System.Net;
using Npgsql;
using Tests.Infrastructure;

namespace Tests.Platform;

/// <summary>The programs as an operator runs them: real processes, real ports.</summary>
public sealed class ProgramProcessTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ApiHost_alone_serves_on_127_0_0_1_port_5080_with_nothing_else_running()
    {
        await using var api = ProgramProcess.Start("ApiHost", new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = null,
            ["ConnectionStrings__Postgres"] = null,
            ["Orleans__Mode"] = null,
            ["Bootstrap__AdminKey"] = null,
            ["Orleans__SiloPort"] = TestPorts.Free().ToString(),
            ["Orleans__GatewayPort"] = TestPorts.Free().ToString(),
        });
        using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:5080") };

        var ready = await Eventually.Get(() => http.GetAsync("/ready"), r => r.StatusCode == HttpStatusCode.OK, StartTimeout,
            "ApiHost to become ready on 5080");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Matches(@"Bootstrap admin key \(shown once, scope \*\): sb_live_us_[A-Za-z0-9]{32}", api.Output);
    }

    [PostgresFact]
    public async Task Migrations_from_two_processes_at_once_leave_one_schema()
    {
        var database = await TestPostgres.CreateDatabaseAsync("migrate2");
        var environment = new Dictionary<string, string?> { ["ConnectionStrings__Postgres"] = database };

        await using var first = ProgramProcess.Start("Silo", environment, "--migrate-only");
        await using var second = ProgramProcess.Start("Silo", environment, "--migrate-only");
        var exits = await Task.WhenAll(first.WaitForExitAsync(StartTimeout), second.WaitForExitAsync(StartTimeout));

        Assert.True(exits.All(code => code == 0), first.Output + second.Output);
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*), count(DISTINCT version) FROM schema_migrations", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.True(reader.GetInt64(0) >= 3);
        Assert.Equal(reader.GetInt64(0), reader.GetInt64(1));
    }
}
