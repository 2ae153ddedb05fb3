using System.Net;
using System.Text.Json;
using ApiHost.Auth;
using Microsoft.AspNetCore.Http.Metadata;
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
            // Query-style forms whose operations are documented path-style (PATCH /v1/deals?id= is updateDeal at /v1/deals/{id}).
            .Where(e => e.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
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

    /// <summary>Operations whose body or answer is rightly free-form JSON (never a missing contract type).</summary>
    private static readonly HashSet<string> FreeFormResponses = ["getDealTermsSchema"]; // a JSON Schema document itself

    private static readonly HashSet<string> FreeFormRequests = ["receiveStripeEvent"]; // Stripe's own event object

    /// <summary>POST actions that take no body: the path and the action say everything.</summary>
    private static readonly HashSet<string> BodilessPosts =
        ["releaseDealEscrow", "acceptDealTerms", "connectStripe", "disconnectStripe", "rotateWebhookSecret", "createCustomerFromContact",
         "acceptDelegationProposal",
         "activateCampaign", "pauseCampaign", "resumeCampaign", "completeCampaign", "archiveCampaign"];

    [Fact]
    public async Task Every_operation_has_an_id_a_summary_a_described_tag_and_typed_bodies_and_responses()
    {
        var document = JsonDocument.Parse(await api.CreateClient().GetStringAsync("/openapi/v1.json")).RootElement;
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var tags = document.GetProperty("tags").EnumerateArray()
            .Where(t => t.TryGetProperty("description", out var d) && d.GetString() is { Length: > 0 })
            .Select(t => t.GetProperty("name").GetString()!).ToHashSet();
        var ids = new HashSet<string>();
        var failures = new List<string>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is "get" or "post" or "put" or "patch" or "delete"))
            {
                var op = operation.Value;
                var name = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                var id = op.TryGetProperty("operationId", out var idValue) ? idValue.GetString() : null;
                if (id is null || !ids.Add(id))
                {
                    failures.Add($"{name}: operationId missing or repeated ({id})");
                    continue;
                }
                if (!op.TryGetProperty("summary", out var summary) || summary.GetString() is not { Length: > 0 })
                {
                    failures.Add($"{id}: no summary");
                }
                if (!op.GetProperty("tags").EnumerateArray().All(t => tags.Contains(t.GetString()!)))
                {
                    failures.Add($"{id}: a tag without a description");
                }
                var success = op.GetProperty("responses").EnumerateObject().FirstOrDefault(r => r.Name.StartsWith('2'));
                if (success.Value.ValueKind == JsonValueKind.Undefined || !FreeFormResponses.Contains(id) && !IsTypedEnvelope(success.Value, schemas))
                {
                    failures.Add($"{id}: no typed success response");
                }
                if (operation.Name is "post" or "put" or "patch" && !BodilessPosts.Contains(id) && !FreeFormRequests.Contains(id) &&
                    !IsTypedBody(op, schemas))
                {
                    failures.Add($"{id}: no typed request body");
                }
            }
        }
        Assert.Empty(failures);

        // Each query-style action is its own operation.
        var actions = api.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .SelectMany(e => e.Metadata.GetOrderedMetadata<ApiHost.OpenApi.QueryStyleActions>()).SelectMany(q => q.Actions).ToList();
        Assert.NotEmpty(actions);
        Assert.All(actions, a => Assert.Contains(a.OperationId, ids));
    }

    private static bool IsTypedEnvelope(JsonElement response, JsonElement schemas)
    {
        if (!response.TryGetProperty("content", out var content))
        {
            return false;
        }
        if (content.TryGetProperty("text/csv", out _))
        {
            return true; // a file (exportDeals), no envelope
        }
        if (!content.TryGetProperty("application/json", out var json))
        {
            return false;
        }
        var envelope = Resolve(json.GetProperty("schema"), schemas);
        return envelope.TryGetProperty("properties", out var properties) && properties.TryGetProperty("data", out var data) &&
               HasProperties(data, schemas);
    }

    /// <summary>A typed JSON body, or a typed multipart form (a file upload).</summary>
    private static bool IsTypedBody(JsonElement operation, JsonElement schemas) =>
        operation.TryGetProperty("requestBody", out var body) &&
        (body.GetProperty("content").TryGetProperty("application/json", out var json) ||
         body.GetProperty("content").TryGetProperty("multipart/form-data", out json)) &&
        HasProperties(json.GetProperty("schema"), schemas);

    /// <summary>An object with named properties, or an array of them: not a bare "object".</summary>
    private static bool HasProperties(JsonElement schema, JsonElement schemas)
    {
        var resolved = Resolve(schema, schemas);
        if (resolved.TryGetProperty("items", out var items))
        {
            return HasProperties(items, schemas);
        }
        return resolved.TryGetProperty("properties", out var properties) && properties.EnumerateObject().Any();
    }

    private static JsonElement Resolve(JsonElement schema, JsonElement schemas) =>
        schema.TryGetProperty("$ref", out var reference)
            ? schemas.GetProperty(reference.GetString()!["#/components/schemas/".Length..])
            : schema;

    [Fact]
    public async Task The_interactive_reference_is_served_at_docs()
    {
        var response = await api.CreateClient().GetAsync("/docs");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("openapi/v1.json", await response.Content.ReadAsStringAsync());
    }
}
