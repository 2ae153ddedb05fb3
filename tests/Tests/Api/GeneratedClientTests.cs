using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Tests.Infrastructure;

namespace Tests.Api;

/// <summary>
/// Clients can be generated from the live document: the NSwag CLI (a generator no one here wrote) makes a C# client from
/// <c>/openapi/v1.json</c>, Roslyn compiles it with <c>GeneratedClient/FirstIntegrationFlow.cs</c>, and the document's
/// first integration runs through that generated client only. A body or response the document gets wrong fails here:
/// at compile time (a missing operation or type) or at run time (a field the server rejects or sends differently).
/// </summary>
public sealed class GeneratedClientTests(GeneratedClientTests.Api api) : IClassFixture<GeneratedClientTests.Api>
{
    public sealed class Api() : CatalogueApi;

    [Fact]
    public async Task The_first_integration_runs_through_a_client_generated_from_the_live_document()
    {
        var json = await api.CreateClient().GetStringAsync("/openapi/v1.json");
        var code = await GenerateAsync(json);
        // To read what a client author gets: GENERATED_CLIENT_DUMP=/tmp/client.cs dotnet test --filter GeneratedClient
        if (Environment.GetEnvironmentVariable("GENERATED_CLIENT_DUMP") is { Length: > 0 } dump)
        {
            await File.WriteAllTextAsync(dump, code);
        }
        var flow = Compile(code, Resource("FirstIntegrationFlow.cs"));

        var tenant = await api.NewTenantAsync();
        var http = api.CreateClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", tenant.Key);
        var run = (Func<HttpClient, HttpClient, Task<string>>)Delegate.CreateDelegate(typeof(Func<HttpClient, HttpClient, Task<string>>),
            flow.GetType("Generated.FirstIntegrationFlow")!.GetMethod("RunAsync")!);
        string verified;
        try
        {
            verified = await run(http, api.CreateClient());
        }
        catch (Exception ex) when (ex.GetType().GetProperty("Result")?.GetValue(ex) is { } envelope)
        {
            // The generated ApiException<ErrorEnvelope>: show what the server answered.
            throw new Xunit.Sdk.XunitException($"{ex.Message}\n{System.Text.Json.JsonSerializer.Serialize(envelope)}\n{ex.StackTrace}");
        }

        Assert.Equal("verified", verified);
    }

    /// <summary>
    /// Runs the README's command: the NSwag CLI (pinned in .config/dotnet-tools.json, restored here) in its own process,
    /// so its libraries never meet the product's (it ships an older Fluid than the email templates use).
    /// </summary>
    public static async Task<string> GenerateAsync(string json)
    {
        var root = RepositoryRoot();
        var work = Directory.CreateTempSubdirectory("generated-client").FullName;
        try
        {
            var input = Path.Combine(work, "openapi.json");
            var output = Path.Combine(work, "SalesboothClient.cs");
            await File.WriteAllTextAsync(input, json);
            await RunAsync(root, "tool", "restore");
            await RunAsync(root, "tool", "run", "nswag", "openapi2csclient", $"/input:{input}", $"/output:{output}", "/namespace:Generated",
                "/className:SalesboothClient", "/jsonLibrary:SystemTextJson", "/operationGenerationMode:SingleClientFromOperationId",
                "/generateOptionalPropertiesAsNullable:true", "/useBaseUrl:false", "/generateClientInterfaces:false");
            return await File.ReadAllTextAsync(output);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task RunAsync(string directory, params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet", arguments)
        {
            WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)}: {await output}\n{await errors}");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Orleans.sln not found above " + AppContext.BaseDirectory);
    }

    private static Assembly Compile(params string[] sources)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create("GeneratedClient" + Guid.NewGuid().ToString("N"),
            sources.Select(s => CSharpSyntaxTree.ParseText(s, new CSharpParseOptions(LanguageVersion.Latest))), references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Disable));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        Assert.True(result.Success, "The generated client does not compile:\n" + string.Join("\n", errors.Take(30)));
        return Assembly.Load(image.ToArray());
    }

    private static string Resource(string name)
    {
        var assembly = typeof(GeneratedClientTests).Assembly;
        var resource = assembly.GetManifestResourceNames().Single(n => n.EndsWith("GeneratedClient." + name, StringComparison.Ordinal));
        using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
        return reader.ReadToEnd();
    }
}
