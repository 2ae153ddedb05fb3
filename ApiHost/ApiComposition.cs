using ApiHost.Api;
using ApiHost.Auth;
using ApiHost.Keys;
using ApiHost.OpenApi;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ApiHost;

/// <summary>The API's services, middleware order and endpoint groups, in one place.</summary>
public static class ApiComposition
{
    public static IServiceCollection AddApi(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.ConfigureHttpJsonOptions(o => ApiJson.Configure(o.SerializerOptions));
        services.AddSingleton<ApiKeyCache>();
        services.AddApiDocumentation();
        return services;
    }

    /// <summary>Errors outermost (so everything below answers in the envelope), then routing, then auth.</summary>
    public static WebApplication UseApiPipeline(this WebApplication app)
    {
        app.UseMiddleware<ErrorHandlingMiddleware>();
        app.UseRouting();
        app.UseMiddleware<ApiKeyAuthenticationMiddleware>();
        app.UseMiddleware<Api.Idempotency.IdempotencyMiddleware>();
        return app;
    }

    public static WebApplication MapApiEndpoints(this WebApplication app)
    {
        app.MapApiDocumentation();
        app.MapKeyEndpoints();
        return app;
    }
}
