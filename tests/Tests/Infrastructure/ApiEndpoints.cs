using ApiHost.Auth;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Tests.Infrastructure;

/// <summary>The API's own endpoint table, so matrix tests cover every endpoint, including ones added later.</summary>
public static class ApiEndpoints
{
    public sealed record Endpoint(string Method, string Template, string Scope)
    {
        /// <summary>A concrete URL: route parameters filled with <paramref name="id"/>.</summary>
        public string Url(string id = "missing_0000") =>
            System.Text.RegularExpressions.Regex.Replace(Template, "\\{[^}]+\\}", id);

        public override string ToString() => $"{Method} {Template}";
    }

    public static IReadOnlyList<Endpoint> Scoped<T>(WebApplicationFactory<T> api) where T : class =>
        api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<RequiredScope>() is not null)
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m =>
                new Endpoint(m, "/" + e.RoutePattern.RawText!.Trim('/'), e.Metadata.GetMetadata<RequiredScope>()!.Scope)))
            .Distinct()
            .OrderBy(e => e.Template).ThenBy(e => e.Method)
            .ToList();
}
