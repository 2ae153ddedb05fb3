using System.Globalization;
using System.Text.Json.Nodes;
using ApiHost.Api;
using ApiHost.Api.Lists;
using ApiHost.Auth;
using ApiHost.OpenApi;
using Grains.Interfaces.Events;

namespace ApiHost.Webhooks;

/// <summary>
/// <c>GET /v1/webhooks/events</c>: the caller's tenant+environment event log in sequence order, resumable with
/// <c>since_sequence</c> (send back <c>cursor.last_sequence</c>), filtered by type and delivery status.
/// </summary>
public static class EventLogEndpoints
{
    public static void MapEventLogEndpoints(this IEndpointRouteBuilder app) => app.MapApi("webhooks", group =>
        group.MapGet("events", List).RequireScope("webhooks:read")
            .Operation<EventLogData>("listEvents", "The tenant's event log, in sequence order"));

    private static async Task<IResult> List(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var query = Parse(http.Request);
        var page = await grains.GetGrain<IEventLogGrain>(http.Caller().Partition).Query(query, ct);
        return ApiResults.Ok(new EventLogData([.. page.Events.Select(ToRecord)], new EventLogCursor(page.LastSequence, page.HasMore)));
    }

    /// <summary>The document's fields, plus <c>data</c> (the payload's data object) so a consumer can catch up from the log.</summary>
    private static EventLogRecord ToRecord(EventLogEntry entry) =>
        new(entry.Id, entry.Sequence, entry.Type, entry.Status, entry.CreatedAt, JsonNode.Parse(entry.DataJson));

    private static EventLogQuery Parse(HttpRequest request)
    {
        var query = new ListRequest.QueryReader(request.Query);
        var limit = ListPaging.ReadLimit(query);
        long? since = null;
        if (query.Text("since_sequence", 32) is { } text)
        {
            if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                since = number;
            }
            else
            {
                query.Fail("since_sequence", "invalid", "since_sequence must be a whole number of at least 0");
            }
        }
        var sinceTimestamp = query.Timestamp("since_timestamp");
        var eventType = query.Text("event_type", 100);
        var status = query.OneOf("status", [.. EventStatuses.All]);
        query.ThrowIfInvalid();
        return new EventLogQuery(since, sinceTimestamp, eventType, status, limit);
    }
}
