using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NJsonSchema.CodeGeneration.CSharp;
using NSwag;
using NSwag.CodeGeneration.CSharp;
using NSwag.CodeGeneration.OperationNameGenerators;
using Tests.Infrastructure;

namespace Tests.Api;

/// <summary>
/// Clients can be generated from the live document: NSwag (a generator no one here wrote) makes a C# client from
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

    public static async Task<string> GenerateAsync(string json)
    {
        var document = await OpenApiDocument.FromJsonAsync(json);
        var settings = new CSharpClientGeneratorSettings
        {
            ClassName = "SalesboothClient",
            UseBaseUrl = false,
            GenerateClientInterfaces = false,
            OperationNameGenerator = new SingleClientFromOperationIdOperationNameGenerator(),
            // Optional properties nullable, and (FirstIntegrationFlow's partial class) nulls left out: a client sends what it sets.
            CSharpGeneratorSettings =
            {
                Namespace = "Generated", JsonLibrary = CSharpJsonLibrary.SystemTextJson, GenerateOptionalPropertiesAsNullable = true,
            },
        };
        return new CSharpClientGenerator(document, settings).GenerateFile();
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
