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
