using System.Net;
using System.Text.Json;
using ApiHost.Auth;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Tests.Infrastructure;

namespace Tests.Api;

public sealed class OpenApiTests(OpenApiTests.Api api) : IClassFixture<OpenApiTests.Api>
{
    public sealed class Api() : EmbeddedApi(null);

    [Fact]
    public async Task Every_scoped_endpoint_is_documented_with_its_scope_and_error_responses()
    {
        var document = JsonDocument.Parse(await api.CreateClient().GetStringAsync("/openapi/v1.json")).RootElement;
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString());
        var paths = document.GetProperty("paths");

        var endpoints = api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<RequiredScope>() is not null && e.RoutePattern.RawText!.StartsWith("/v1"))
            .ToList();
        Assert.NotEmpty(endpoints);
        foreach (var endpoint in endpoints)
        {
            var path = "/" + endpoint.RoutePattern.RawText!.Trim('/');
            var method = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Single().ToLowerInvariant();
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} missing from OpenAPI");
            Assert.True(item.TryGetProperty(method, out var operation), $"{method} {path} missing from OpenAPI");
            Assert.Equal(endpoint.Metadata.GetMetadata<RequiredScope>()!.Scope, operation.GetProperty("x-required-scope").GetString());
            foreach (var status in new[] { "400", "401", "403", "404", "429", "500" })
            {
                Assert.True(operation.GetProperty("responses").TryGetProperty(status, out _), $"{method} {path} lacks {status}");
            }
        }
        Assert.DoesNotContain(paths.EnumerateObject(), p => p.Name.StartsWith("/api/v1"));
        Assert.True(document.GetProperty("components").GetProperty("schemas").TryGetProperty("ErrorEnvelope", out _));
    }

    [Fact]
    public async Task The_interactive_reference_is_served_at_docs()
    {
        var response = await api.CreateClient().GetAsync("/docs");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("openapi/v1.json", await response.Content.ReadAsStringAsync());
    }
}
