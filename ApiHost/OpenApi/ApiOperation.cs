using ApiHost.Api;

namespace ApiHost.OpenApi;

/// <summary>
/// Endpoint metadata naming one documented operation: a stable, method-like <c>operationId</c> (<c>createDeal</c>)
/// and a summary. The OpenAPI transformer copies it into the document; <c>ApiDocumentTests</c> fails for a described
/// endpoint without it or without a typed body and response.
/// </summary>
public sealed record ApiOperation(string Id, string Summary, string? Description = null);

/// <summary>
/// Marks a query-style route (<c>POST /v1/deals?id=&amp;action=</c>) whose actions are documented as their own
/// path-style operations: the document leaves its <c>action</c>-only parameters out and lists the mapping instead.
/// </summary>
public sealed record QueryStyleActions(IReadOnlyList<string> Parameters, IReadOnlyList<(string Action, string OperationId)> Actions);

/// <summary>
/// A documented action of an <see cref="ActionMap{THandler}"/>: its operation, typed body and response. <paramref name="OnResource"/>:
/// the action acts on one resource, so its path-style route is <c>{id}/{action}</c> (else <c>{action}</c>).
/// </summary>
public sealed record ActionDoc(string OperationId, string Summary, Type? Request, Type Response, int Status = 200,
    string? Description = null, bool OnResource = true)
{
    public static ActionDoc Of<TRequest, TResponse>(string operationId, string summary, int status = 200, string? description = null,
        bool onResource = true) => new(operationId, summary, typeof(TRequest), typeof(TResponse), status, description, onResource);

    public static ActionDoc Of<TResponse>(string operationId, string summary, int status = 200, string? description = null,
        bool onResource = true) => new(operationId, summary, null, typeof(TResponse), status, description, onResource);
}

/// <summary>
/// The operation reads a <c>multipart/form-data</c> body itself (a file upload): documented as that form, without the
/// routing's content-type check (which would answer a JSON body 415 outside the envelope instead of the handler's 400).
/// </summary>
public sealed record MultipartForm(string FileField, string FileDescription, IReadOnlyList<string> TextFields);

/// <summary>The operation reads <c>If-Match</c> (optimistic locking): required (428 without it) or checked when sent.</summary>
public sealed record IfMatchHeader(bool Required);

/// <summary>
/// The query parameters a list reads from the request itself (<c>ListRequest</c>, <c>ListPaging</c>, <c>ListShape</c>):
/// paging only, or the full list query with the resource's filters and statuses, and the response shaping.
/// </summary>
public sealed record ListParameters(bool PagingOnly, IReadOnlyList<string> Filters, IReadOnlyCollection<string>? Statuses, bool Shaped);

public static class ApiOperationExtensions
{
    /// <summary>Documents a list's query: paging, sort, cursors, status, search, dates, value range, filters, shaping.</summary>
    public static RouteHandlerBuilder ListQuery(this RouteHandlerBuilder builder, IReadOnlyList<string> filters,
        IReadOnlyCollection<string>? statuses, bool shaped = true) =>
        builder.WithMetadata(new ListParameters(false, filters, statuses, shaped));

    /// <summary>Documents <c>limit</c> and <c>offset</c> of a list paged by offset only.</summary>
    public static RouteHandlerBuilder Paging(this RouteHandlerBuilder builder) => builder.WithMetadata(new ListParameters(true, [], null, false));

    /// <summary>Documents the <c>If-Match</c> header the handler reads (it stays the handler's to enforce).</summary>
    public static RouteHandlerBuilder IfMatch(this RouteHandlerBuilder builder, bool required = true) =>
        builder.WithMetadata(new IfMatchHeader(required));

    /// <summary>Names the operation and its typed success response (inside the success envelope).</summary>
    public static RouteHandlerBuilder Operation<TResponse>(this RouteHandlerBuilder builder, string id, string summary,
        int status = 200, string? description = null) =>
        builder.Operation(id, summary, null, typeof(TResponse), status, description);

    /// <summary>Names the operation, its typed JSON request body and its typed success response.</summary>
    public static RouteHandlerBuilder Operation<TRequest, TResponse>(this RouteHandlerBuilder builder, string id, string summary,
        int status = 200, string? description = null) =>
        builder.Operation(id, summary, typeof(TRequest), typeof(TResponse), status, description);

    public static RouteHandlerBuilder Operation(this RouteHandlerBuilder builder, ActionDoc doc) =>
        builder.Operation(doc.OperationId, doc.Summary, doc.Request, doc.Response, doc.Status, doc.Description);

    private static RouteHandlerBuilder Operation(this RouteHandlerBuilder builder, string id, string summary, Type? request,
        Type response, int status, string? description)
    {
        builder.WithMetadata(new ApiOperation(id, summary, description));
        if (request is not null)
        {
            builder.Accepts(request, "application/json");
        }
        return builder.Produces(status, typeof(SuccessEnvelope<>).MakeGenericType(response), "application/json");
    }
}
