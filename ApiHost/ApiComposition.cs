using ApiHost.Api;
using ApiHost.Auth;
using ApiHost.Campaigns;
using ApiHost.Contacts;
using ApiHost.Customers;
using ApiHost.Deals;
using ApiHost.Emails;
using ApiHost.AgentTrust;
using ApiHost.Delegations;
using ApiHost.Keys;
using ApiHost.Negotiations;
using ApiHost.Payments;
using ApiHost.OpenApi;
using ApiHost.Products;
using ApiHost.RateLimiting;
using ApiHost.Webhooks;
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
        services.AddRateLimiting();
        services.AddApiDocumentation();
        return services;
    }

    /// <summary>Errors outermost (so everything below answers in the envelope), then routing, then auth.</summary>
    public static WebApplication UseApiPipeline(this WebApplication app)
    {
        app.UseMiddleware<ErrorHandlingMiddleware>();
        app.UseRouting();
        // Rate limits: the unauthenticated per-IP tier wraps authentication (it counts refused keys too); key, IP and global after it.
        app.UseMiddleware<UnauthenticatedRateLimitMiddleware>();
        app.UseMiddleware<ApiKeyAuthenticationMiddleware>();
        app.UseMiddleware<RateLimitMiddleware>();
        app.UseMiddleware<Api.Idempotency.IdempotencyMiddleware>();
        return app;
    }

    public static WebApplication MapApiEndpoints(this WebApplication app)
    {
        app.MapApiDocumentation();
        app.MapKeyEndpoints();
        app.MapCustomerEndpoints();
        app.MapProductEndpoints();
        app.MapEventLogEndpoints();
        app.MapWebhookEndpoints();
        app.MapDealEndpoints();
        app.MapNegotiationEndpoints();
        app.MapPaymentEndpoints();
        app.MapDelegationEndpoints();
        app.MapContactEndpoints();
        app.MapCampaignEndpoints();
        app.MapSamCampaignEndpoints();
        app.MapProspectEndpoints();
        app.MapCampaignAnalyticsEndpoints();
        app.MapSamMessageEndpoints();
        app.MapEmailEndpoints();
        app.MapAgentTrustEndpoints();
        app.MapTrustCredentialEndpoints();
        return app;
    }
}
