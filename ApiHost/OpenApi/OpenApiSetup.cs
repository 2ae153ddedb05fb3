using System.Globalization;
using ApiHost.Api;
using ApiHost.Api.Lists;
using ApiHost.Api.Idempotency;
using ApiHost.Auth;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace ApiHost.OpenApi;

/// <summary>
/// The OpenAPI 3 document at <c>/openapi/v1.json</c> and the interactive reference at <c>/docs</c>.
/// Every operation names its scope (<c>x-required-scope</c> and the bearer requirement) and the
/// envelope errors it can answer with.
/// </summary>
public static class OpenApiSetup
{
    public static IServiceCollection AddApiDocumentation(this IServiceCollection services) =>
        services.AddOpenApi("v1", options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Salesbooth API (Orleans)",
                    Version = "v1",
                    Description = "Deal infrastructure for AI commerce. Every resource is served under /v1 and /api/v1; " +
                                  "success bodies are {error:false, success:true, data}, errors {error:true, code, category, message, recovery, ref, details}.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["ApiKey"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An API key sb_{live|test|pub}_{region}_{random}, as Authorization: Bearer <key> or X-API-Key.",
                };
                document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
                document.Components.Schemas["ErrorEnvelope"] = ErrorEnvelopeSchema();
                // Generated clients join paths to the server URL: no trailing slash.
                foreach (var server in document.Servers ?? [])
                {
                    server.Url = server.Url?.TrimEnd('/');
                }
                document.Info.License = new OpenApiLicense { Name = "Proprietary", Url = new Uri("https://salesbooth.com/terms") };
                // Every operation needs a key unless it says otherwise (public ones carry an empty requirement).
                document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("ApiKey", document)] = [] }];
                WithoutNullWhereNoneIsSent(document.Components.Schemas);
                document.Tags = new HashSet<OpenApiTag>(
                    ApiTags.Descriptions.Select(t => new OpenApiTag { Name = t.Key, Description = t.Value }), new TagNameComparer());
                return Task.CompletedTask;
            });
            options.AddSchemaTransformer((schema, context, _) =>
            {
                var type = context.JsonTypeInfo.Type;
                // Numbers are numbers on the wire; the serializer's "or a numeric string" reading is not part of the contract.
                if (schema.Type is { } t && (t & (JsonSchemaType.Number | JsonSchemaType.Integer)) != 0)
                {
                    schema.Type = t & ~JsonSchemaType.String;
                    schema.Pattern = null;
                }
                // Money is decimal: generators map format "decimal" to a decimal type, never a binary float.
                if ((Nullable.GetUnderlyingType(type) ?? type) == typeof(decimal))
                {
                    schema.Format = "decimal";
                }
                if (context.JsonPropertyInfo?.AttributeProvider?.GetCustomAttributes(typeof(OneOfAttribute), true) is [OneOfAttribute oneOf, ..])
                {
                    schema.Enum = [.. oneOf.Values.Select(v => (System.Text.Json.Nodes.JsonNode)System.Text.Json.Nodes.JsonValue.Create(v))];
                }
                // The success envelope always carries error:false, success:true and its data.
                if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(SuccessEnvelope<>))
                {
                    schema.Required = new HashSet<string> { "error", "success", "data" };
                }
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                if (metadata.OfType<ApiOperation>().LastOrDefault() is { } described)
                {
                    operation.OperationId = described.Id;
                    operation.Summary = described.Summary;
                    operation.Description = described.Description;
                }
                if (metadata.OfType<QueryStyleActions>().LastOrDefault() is { } queryStyle)
                {
                    operation.Parameters = operation.Parameters?.Where(p => !queryStyle.Parameters.Contains(p.Name)).ToList();
                    var actions = string.Join(", ", queryStyle.Actions.Select(a => $"`action={a.Action}` ({a.OperationId})"));
                    operation.Description = $"{operation.Description} Query-style actions on this path: {actions}; each is documented as its own path-style operation.".Trim();
                }
                if (!metadata.OfType<RequiredScope>().Any())
                {
                    operation.Security = [new OpenApiSecurityRequirement()];
                }
                if (context.Description.HttpMethod is "POST" or "PUT" or "PATCH" or "DELETE")
                {
                    AddError(operation, "409", "conflict.*: the resource's rules refuse the change now (code and details say which)" +
                        (metadata.OfType<IdempotentEndpoint>().Any() ? "; conflict.idempotency_key_in_flight / conflict.idempotency_key_reused" : ""));
                }
                if (metadata.OfType<IfMatchHeader>().LastOrDefault() is { } ifMatch)
                {
                    AddError(operation, "412", "conflict.stale_version: If-Match is not the current version (data carries the current resource)");
                    if (ifMatch.Required)
                    {
                        AddError(operation, "428", "validation_error.precondition_required: If-Match is missing");
                    }
                    operation.Parameters ??= [];
                    operation.Parameters.Add(new OpenApiParameter
                    {
                        Name = "If-Match", In = ParameterLocation.Header, Required = ifMatch.Required,
                        Description = "The version from the resource's ETag or version field: W/\"5\", \"5\" or 5. A stale one answers 412 with the current resource.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                    });
                }
                if (metadata.OfType<MultipartForm>().LastOrDefault() is { } form)
                {
                    var schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object, Required = new HashSet<string> { form.FileField },
                        Properties = new Dictionary<string, IOpenApiSchema>
                        {
                            [form.FileField] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = form.FileDescription },
                        },
                    };
                    foreach (var field in form.TextFields)
                    {
                        schema.Properties[field] = new OpenApiSchema { Type = JsonSchemaType.String };
                    }
                    operation.RequestBody = new OpenApiRequestBody
                    {
                        Required = true, Content = new Dictionary<string, OpenApiMediaType> { ["multipart/form-data"] = new() { Schema = schema } },
                    };
                }
                if (metadata.OfType<ListParameters>().LastOrDefault() is { } list)
                {
                    operation.Parameters ??= [];
                    foreach (var parameter in ListQueryParameters(list))
                    {
                        operation.Parameters.Add(parameter);
                    }
                }
                if (metadata.OfType<IdempotentEndpoint>().Any())
                {
                    operation.Parameters ??= [];
                    operation.Parameters.Add(new OpenApiParameter
                    {
                        Name = "Idempotency-Key", In = ParameterLocation.Header, Required = false,
                        Description = "A retry with the same key and body answers the first response (Idempotent-Replayed: true) instead of changing twice.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 255 },
                    });
                }
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                var scope = context.Description.ActionDescriptor.EndpointMetadata.OfType<RequiredScope>().FirstOrDefault();
                operation.Responses ??= new OpenApiResponses();
                AddError(operation, "400", "validation_error.bad_request / validation_error.invalid_fields");
                AddError(operation, "404", "not_found");
                AddError(operation, "405", "method_not_allowed");
                AddError(operation, "413", "validation_error.body_too_large");
                AddError(operation, "500", "internal_error");
                AddError(operation, "503", "transient_error");
                if (scope is not null)
                {
                    operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
                    operation.Extensions["x-required-scope"] = new JsonNodeExtension(System.Text.Json.Nodes.JsonValue.Create(scope.Scope));
                    operation.Description = $"Requires scope `{scope.Scope}`. {operation.Description}".Trim();
                    operation.Security = [];
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement
                    {
                        [new OpenApiSecuritySchemeReference("ApiKey", context.Document)] = [scope.Scope],
                    });
                    AddError(operation, "401", "authentication_error.invalid_credentials");
                    AddError(operation, "403", "authorization_error.insufficient_scope / authorization_error.cors_origin_denied");
                    AddError(operation, "429", "rate_limited");
                }
                return Task.CompletedTask;
            });
        });

    public static WebApplication MapApiDocumentation(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference("/docs", options => options.WithTitle("Salesbooth API").WithOpenApiRoutePattern("/openapi/{documentName}.json"));
        return app;
    }

    private static OpenApiSchema ErrorEnvelopeSchema()
    {
        static OpenApiSchema Of(JsonSchemaType type, string? description = null) => new() { Type = type, Description = description };
        return new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Required = new HashSet<string> { "error", "code", "category", "message", "recovery", "ref" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["error"] = Of(JsonSchemaType.Boolean, "Always true"),
                ["code"] = Of(JsonSchemaType.String, "category.specific_code"),
                ["category"] = Of(JsonSchemaType.String, "validation_error, authentication_error, authorization_error, not_found, conflict, rate_limited, billing, transient_error, internal_error"),
                ["message"] = Of(JsonSchemaType.String),
                ["recovery"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["action"] = Of(JsonSchemaType.String),
                        ["retryable"] = Of(JsonSchemaType.Boolean),
                        ["hint"] = Of(JsonSchemaType.String),
                        ["retry_after_seconds"] = Of(JsonSchemaType.Integer),
                    },
                },
                ["ref"] = Of(JsonSchemaType.String, "Request reference, also sent as X-Request-Id"),
                ["details"] = Of(JsonSchemaType.Object, "details.fields.<name>.{code,message} for invalid fields"),
                ["data"] = Of(JsonSchemaType.Object, "The current resource on 412 conflict.stale_version"),
            },
        };
    }

    private static IEnumerable<OpenApiParameter> ListQueryParameters(ListParameters list)
    {
        static OpenApiParameter Query(string name, string description, OpenApiSchema schema) =>
            new() { Name = name, In = ParameterLocation.Query, Description = description, Schema = schema };
        static OpenApiSchema Text() => new() { Type = JsonSchemaType.String };
        static OpenApiSchema OneOf(IEnumerable<string> values) =>
            new() { Type = JsonSchemaType.String, Enum = [.. values.Select(v => (System.Text.Json.Nodes.JsonNode)System.Text.Json.Nodes.JsonValue.Create(v))] };

        yield return Query("limit", $"1-{ListPaging.MaxLimit}, default {ListPaging.DefaultLimit}",
            new() { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1", Maximum = ListPaging.MaxLimit.ToString(CultureInfo.InvariantCulture) });
        yield return Query("offset", "Default 0 (ignored with a cursor)", new() { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "0" });
        if (list.PagingOnly)
        {
            yield break;
        }
        yield return Query("sort", "Default created_at (newest first)", OneOf(["created_at", "updated_at"]));
        yield return Query("after", "A next_cursor from a previous page", Text());
        yield return Query("before", "A prev_cursor from a previous page", Text());
        yield return Query("status", "Only this status", list.Statuses is { } statuses ? OneOf(statuses) : Text());
        yield return Query("search", "Free text", Text());
        yield return Query("created_after", "ISO 8601", new() { Type = JsonSchemaType.String, Format = "date-time" });
        yield return Query("created_before", "ISO 8601", new() { Type = JsonSchemaType.String, Format = "date-time" });
        yield return Query("min_value", "Smallest value or total", new() { Type = JsonSchemaType.Number, Format = "decimal" });
        yield return Query("max_value", "Largest value or total", new() { Type = JsonSchemaType.Number, Format = "decimal" });
        foreach (var filter in list.Filters)
        {
            yield return Query(filter, "Exact match", Text());
        }
        if (list.Shaped)
        {
            yield return Query("fields", "Comma-separated fields to return (id always)", Text());
            yield return Query("include", "Comma-separated nested resources to add", Text());
            yield return Query("exclude", "Comma-separated fields to leave out", Text());
            yield return Query("format", "minimal: id, status and updated_at only", OneOf(["minimal"]));
        }
    }

    private static readonly HashSet<string> RequestSchemas = typeof(IApiRequest).Assembly.GetTypes()
        .Where(t => typeof(IApiRequest).IsAssignableFrom(t) && !t.IsInterface).Select(t => t.Name).ToHashSet();

    /// <summary>
    /// The generator wraps every reference-typed property as "null or T" (runs after the schema transformers). Request
    /// bodies send no nulls (see <see cref="IApiRequest"/>) and the success envelope always has its <c>data</c>.
    /// </summary>
    private static void WithoutNullWhereNoneIsSent(IDictionary<string, IOpenApiSchema> schemas)
    {
        foreach (var (name, schema) in schemas)
        {
            if (schema is not OpenApiSchema { Properties: { } properties })
            {
                continue;
            }
            if (RequestSchemas.Contains(name))
            {
                foreach (var (property, value) in properties.ToList())
                {
                    properties[property] = WithoutNull(value);
                }
            }
            else if (name.StartsWith("SuccessEnvelopeOf", StringComparison.Ordinal) && properties.TryGetValue("data", out var data))
            {
                properties["data"] = WithoutNull(data);
            }
        }
    }

    private static IOpenApiSchema WithoutNull(IOpenApiSchema schema)
    {
        if (schema is OpenApiSchema { OneOf: { Count: 2 } oneOf } && oneOf.Count(s => s is OpenApiSchema { Type: JsonSchemaType.Null }) == 1)
        {
            return oneOf.First(s => s is not OpenApiSchema { Type: JsonSchemaType.Null });
        }
        if (schema is OpenApiSchema { Type: { } type } concrete && (type & JsonSchemaType.Null) != 0 && type != JsonSchemaType.Null)
        {
            concrete.Type = type & ~JsonSchemaType.Null;
        }
        return schema;
    }

    private sealed class TagNameComparer : IEqualityComparer<OpenApiTag>
    {
        public bool Equals(OpenApiTag? x, OpenApiTag? y) => x?.Name == y?.Name;

        public int GetHashCode(OpenApiTag obj) => obj.Name?.GetHashCode() ?? 0;
    }

    private static void AddError(OpenApiOperation operation, string status, string codes)
    {
        operation.Responses!.TryAdd(status, new OpenApiResponse
        {
            Description = $"Error envelope: {codes}",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new() { Schema = new OpenApiSchemaReference("ErrorEnvelope", null) },
            },
        });
    }
}
