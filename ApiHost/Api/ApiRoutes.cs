namespace ApiHost.Api;

/// <summary>
/// The document serves every resource under both <c>/v1</c> and <c>/api/v1</c>. Features map their
/// endpoints once through <see cref="MapApi"/>; the <c>/api/v1</c> copy is left out of the OpenAPI document.
/// </summary>
public static class ApiRoutes
{
    public static readonly IReadOnlyList<string> Prefixes = ["/v1", "/api/v1"];

    public static void MapApi(this IEndpointRouteBuilder app, string resource, Action<RouteGroupBuilder> map)
    {
        foreach (var prefix in Prefixes)
        {
            var group = app.MapGroup($"{prefix}/{resource}").WithTags(resource);
            if (prefix != Prefixes[0])
            {
                group.ExcludeFromDescription();
            }
            map(group);
        }
    }
}
