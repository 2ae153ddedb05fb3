namespace ApiHost.Api;

/// <summary>
/// The <c>?action=</c> operations of one query-style route: action name → handler, plus the scope an action needs
/// when it is not the route's own. Adding an action is one <see cref="Add"/> line; unknown actions answer 400
/// naming the supported ones in registration order.
/// </summary>
public sealed class ActionMap<THandler>(string? method = null) where THandler : Delegate
{
    private readonly List<string> names = [];
    private readonly Dictionary<string, THandler> handlers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> scopes = new(StringComparer.Ordinal);

    public ActionMap<THandler> Add(string action, THandler handler, string? scope = null)
    {
        if (!handlers.TryAdd(action, handler))
        {
            throw new ArgumentException($"Action '{action}' is registered twice", nameof(action));
        }
        names.Add(action);
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
}
