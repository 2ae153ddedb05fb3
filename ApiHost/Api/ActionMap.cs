using ApiHost.Api.Idempotency;
using ApiHost.Auth;
using ApiHost.OpenApi;

namespace ApiHost.Api;

/// <summary>
/// The <c>?action=</c> operations of one query-style route: action name → handler, plus the scope an action needs
/// when it is not the route's own and its documentation. Adding an action is one <see cref="Add"/> line; unknown
/// actions answer 400 naming the supported ones in registration order. OpenAPI paths cannot carry a query string, so
/// <see cref="MapPathStyle"/> also serves each action at its own path (<c>/v1/deals/{id}/add_item</c>), documented as
/// its own operation; the query style stays the document's form and works unchanged.
/// </summary>
public sealed class ActionMap<THandler>(string? method = null) where THandler : Delegate
{
    private readonly List<string> names = [];
    private readonly Dictionary<string, THandler> handlers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> scopes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ActionDoc> docs = new(StringComparer.Ordinal);

    public ActionMap<THandler> Add(string action, THandler handler, ActionDoc doc, string? scope = null)
    {
        if (!handlers.TryAdd(action, handler))
        {
            throw new ArgumentException($"Action '{action}' is registered twice", nameof(action));
        }
        names.Add(action);
        docs[action] = doc;
        if (scope is not null)
        {
            scopes[action] = scope;
        }
        return this;
    }

    public IReadOnlyList<string> Names => names;

    /// <summary>Per-action scopes for <see cref="Auth.RequiredScopeExtensions.RequireScope{TBuilder}"/>.</summary>
    public IReadOnlyDictionary<string, string> Scopes => scopes;

    public THandler Find(string action) =>
        handlers.TryGetValue(action, out var handler)
            ? handler
            : throw new ApiException(ApiError.BadRequest(
                $"Unknown action '{action}'{(method is null ? "" : $" for {method}")}; supported: {string.Join(", ", names)}",
                new { parameter = "action" }));

    /// <summary>Metadata for the query-style route: which of its parameters only actions read, and each action's operation.</summary>
    public QueryStyleActions QueryStyle(params string[] actionOnlyParameters) =>
        new(actionOnlyParameters, [.. names.Select(n => (n, docs[n].OperationId))]);

    /// <summary>
    /// Serves every action at its own path on <paramref name="group"/> (<c>{id}/{action}</c>, or <c>{action}</c> for an
    /// action that makes a resource), with the action's scope (else <paramref name="routeScope"/>) and documentation.
    /// <paramref name="bind"/> turns a handler into the route's delegate (reading <c>id</c> from the route).
    /// <paramref name="ifMatchOnResource"/>: actions on one resource check an <c>If-Match</c> when sent (deals).
    /// </summary>
    public void MapPathStyle(RouteGroupBuilder group, string httpMethod, string? routeScope, Func<THandler, Delegate> bind,
        bool idempotent = true, bool ifMatchOnResource = false)
    {
        foreach (var name in names)
        {
            var doc = docs[name];
            var description = $"Also served query-style as `{httpMethod} ?{(doc.OnResource ? "id={id}&" : "")}action={name}`. {doc.Description}".Trim();
            var route = group.MapMethods(doc.OnResource ? $"{{id}}/{name}" : name, [httpMethod], bind(handlers[name]))
                .Operation(doc with { Description = description });
            if (ifMatchOnResource && doc.OnResource)
            {
                route.IfMatch(required: false);
            }
            if ((scopes.GetValueOrDefault(name) ?? routeScope) is { } scope)
            {
                route.RequireScope(scope);
            }
            if (idempotent)
            {
                route.WithIdempotency();
            }
        }
    }
}
