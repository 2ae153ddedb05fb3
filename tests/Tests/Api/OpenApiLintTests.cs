using System.Diagnostics;
using System.Text.Json;
using Tests.Infrastructure;

namespace Tests.Api;

/// <summary>
/// Redocly's recommended rules (<c>@redocly/cli lint</c>, pinned in tools/openapi-lint, installed by .ci/run) find no
/// error in the served document. Skipped when the linter is not installed, unless REQUIRE_OPENAPI_LINT=1 (as in CI).
/// </summary>
public sealed class OpenApiLintTests(OpenApiLintTests.Api api) : IClassFixture<OpenApiLintTests.Api>
{
    public sealed class Api() : EmbeddedApi(null);

    [OpenApiLintFact]
    public async Task Redocly_recommended_lint_reports_no_errors()
    {
        Assert.True(OpenApiLintFactAttribute.Linter is not null, "REQUIRE_OPENAPI_LINT=1 but tools/openapi-lint is not installed");
        var document = Path.Combine(Path.GetTempPath(), $"openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(document, await api.CreateClient().GetStringAsync("/openapi/v1.json"));
        try
        {
            var start = new ProcessStartInfo(OpenApiLintFactAttribute.Linter!, ["lint", document, "--format=json"])
            {
                RedirectStandardOutput = true, RedirectStandardError = true,
            };
            start.Environment["REDOCLY_TELEMETRY"] = "off";
            start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
            using var lint = Process.Start(start)!;
            var output = lint.StandardOutput.ReadToEndAsync();
            var errors = lint.StandardError.ReadToEndAsync();
            await lint.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));

            var report = JsonDocument.Parse(await output).RootElement;
            var problems = report.GetProperty("problems").EnumerateArray()
                .Where(p => p.GetProperty("severity").GetString() == "error")
                .Select(p => $"{p.GetProperty("ruleId").GetString()}: {p.GetProperty("message").GetString()}")
                .ToList();
            Assert.True(problems.Count == 0, string.Join("\n", problems.Take(30)) + "\n" + await errors);
            Assert.Equal(0, report.GetProperty("totals").GetProperty("errors").GetInt32());
        }
        finally
        {
            File.Delete(document);
        }
    }
}

/// <summary>A fact that needs the pinned Redocly CLI (tools/openapi-lint/node_modules).</summary>
public sealed class OpenApiLintFactAttribute : FactAttribute
{
    public static readonly string? Linter = FindLinter();

    public OpenApiLintFactAttribute()
    {
        if (Linter is null && Environment.GetEnvironmentVariable("REQUIRE_OPENAPI_LINT") != "1")
        {
            Skip = "Redocly CLI not installed (npm ci --prefix tools/openapi-lint)";
        }
    }

    private static string? FindLinter()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var linter = Path.Combine(dir.FullName, "tools", "openapi-lint", "node_modules", ".bin", "redocly");
            if (File.Exists(linter))
            {
                return linter;
            }
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.sln")))
            {
                return null;
            }
        }
        return null;
    }
}
