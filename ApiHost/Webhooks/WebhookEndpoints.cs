using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApiHost.Api;
using ApiHost.Api.Idempotency;
using ApiHost.Api.Lists;
using ApiHost.Auth;
using ApiHost.OpenApi;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Webhooks;

namespace ApiHost.Webhooks;

/// <summary>
/// <c>/v1/webhooks</c>: register, list, change and delete endpoints, rotate a secret, send a test event, and work with
/// deliveries (history, dead letters, retry, replay, cleanup). Each endpoint is a grain under the caller's
/// tenant+environment; cross-endpoint reads go through the partition's directory grain.
/// </summary>
public static class WebhookEndpoints
{
    public static void MapWebhookEndpoints(this IEndpointRouteBuilder app) => app.MapApi("webhooks", group =>
    {
        group.MapGet("", List).RequireScope("webhooks:read")
            .Operation<WebhookList>("listWebhooks", "List webhook endpoints", description: "With `?id=` answers one like getWebhook.");
        group.MapGet("{id}", Get).RequireScope("webhooks:read").Operation<WebhookData>("getWebhook", "Get a webhook endpoint");
        group.MapPost("", Create).RequireScope("webhooks:write").WithIdempotency()
            .Operation<WebhookInput, WebhookData>("createWebhook", "Register a webhook endpoint", 201, "The answer carries the signing secret, shown once.");
        group.MapPatch("", Update).RequireScope("webhooks:write").WithIdempotency().ExcludeFromDescription();
        group.MapPatch("{id}", Update).RequireScope("webhooks:write").WithIdempotency()
            .Operation<WebhookPatch, WebhookData>("updateWebhook", "Update a webhook endpoint", description: "Also served as `PATCH ?id={id}`.")
            .IfMatch(required: false);
        group.MapDelete("", Delete).RequireScope("webhooks:write").WithIdempotency().ExcludeFromDescription();
        group.MapDelete("{id}", Delete).RequireScope("webhooks:write").WithIdempotency()
            .Operation<WebhookDeleted>("deleteWebhook", "Delete a webhook endpoint", description: "Also served as `DELETE ?id={id}`.")
            .IfMatch(required: false);
        group.MapPost("rotate_secret", RotateSecret).RequireScope("webhooks:write")
            .Operation<WebhookData>("rotateWebhookSecret", "Rotate an endpoint's signing secret", description: "`?id=` names the endpoint; the new secret is shown once.");
        group.MapPost("test", Test).RequireScope("webhooks:write")
            .Operation<WebhookTestBody, WebhookTestData>("testWebhook", "Send a test event to an endpoint now", description: "`?id=` names the endpoint.");
        group.MapGet("deliveries", Deliveries).RequireScope("webhooks:read")
            .Operation<WebhookDeliveryList>("listWebhookDeliveries", "An endpoint's deliveries", description: "`?id=` names the endpoint.").Paging();
        group.MapGet("dead_letter", DeadLetters).RequireScope("webhooks:read")
            .Operation<WebhookDeadLetterList>("listWebhookDeadLetters", "Deliveries that used every attempt").Paging();
        group.MapPost("retry", Retry).RequireScope("webhooks:write")
            .Operation<WebhookRetryBody, WebhookDeliveryData>("retryWebhookDelivery", "Retry a dead-lettered delivery");
        group.MapPost("replay", Replay).RequireScope("webhooks:write")
            .Operation<WebhookReplayBody, WebhookReplayData>("replayWebhookEvents", "Deliver past events to an endpoint again");
        group.MapPost("cleanup", Cleanup).RequireScope("webhooks:write")
            .Operation<WebhookCleanupBody, WebhookCleanupData>("cleanupWebhookHistory", "Delete delivered events and deliveries older than the retention");
    });

    private static async Task<IResult> List(HttpContext http, IGrainFactory grains, string? id)
    {
        if (!string.IsNullOrEmpty(id))
        {
            return await Get(http, grains, id);
        }
        var subscriptions = await Directory(http, grains).List();
        return ApiResults.Ok(new WebhookList([.. subscriptions.Select(s => WebhookContract.Resource(s.View))], subscriptions.Count));
    }

    private static async Task<IResult> Get(HttpContext http, IGrainFactory grains, string id)
    {
        var webhook = await Webhook(http, grains, id).Get();
        return ApiResults.Ok(WebhookContract.Single(webhook), webhook.Version);
    }

    private static async Task<IResult> Create(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var settings = WebhookContract.ReadCreate(await RequestBody.ReadObjectAsync(http.Request, ct));
        var id = KeyedIds.New(http, WebhookKeys.IdPrefix);
        var created = await grains.GetGrain<IWebhookEndpointGrain>(WebhookKeys.Grain(http.Caller().Partition, id)).Create(settings);
        return ApiResults.Created(WebhookContract.Single(created.Webhook, created.Secret), created.Webhook.Version);
    }

    /// <summary>The document's PATCH examples send no If-Match; when a client sends one it is checked.</summary>
    private static async Task<IResult> Update(HttpContext http, IGrainFactory grains, string? id, CancellationToken ct)
    {
        var grain = Webhook(http, grains, id);
        var changes = WebhookContract.ReadUpdate(await RequestBody.ReadObjectAsync(http.Request, ct));
        var expected = Preconditions.OptionalIfMatch(http.Request);
        var webhook = await ResourceRequests.WithCurrentOnStale(() => grain.Update(changes, expected), () => Current(grain));
        return ApiResults.Ok(WebhookContract.Single(webhook), webhook.Version);
    }

    private static async Task<IResult> Delete(HttpContext http, IGrainFactory grains, string? id)
    {
        var grain = Webhook(http, grains, id);
        var expected = Preconditions.OptionalIfMatch(http.Request);
        await ResourceRequests.DeleteVersioned(() => grain.Delete(expected), () => Current(grain));
        return ApiResults.Ok(new WebhookDeleted(id!, id!, true));
    }

    private static async Task<IResult> RotateSecret(HttpContext http, IGrainFactory grains, string? id)
    {
        var rotated = await Webhook(http, grains, id).RotateSecret();
        return ApiResults.Ok(WebhookContract.Single(rotated.Webhook, rotated.Secret), rotated.Webhook.Version);
    }

    private static async Task<IResult> Test(HttpContext http, IGrainFactory grains, string? id, CancellationToken ct)
    {
        var grain = Webhook(http, grains, id);
        var body = await RequestBody.ReadOptionalObjectAsync(http.Request, ct);
        var fields = new FieldReader(body);
        var eventType = fields.String("event_type", maxLength: 100) ?? "deal.created";
        fields.ThrowIfInvalid();
        var result = await grain.Test(eventType);
        return ApiResults.Ok(new WebhookTestData(result.Success, result.ResponseCode, result.ResponseBody, result.LatencyMs, result.ErrorMessage,
            result.EventType));
    }

    private static async Task<IResult> Deliveries(HttpContext http, IGrainFactory grains, string? id, CancellationToken ct)
    {
        var webhookId = ResourceRequests.RequireId(id, WebhookKeys.IdPrefix, "Webhook");
        await Webhook(http, grains, webhookId).Get();
        var query = new ListRequest.QueryReader(http.Request.Query);
        var paging = ListPaging.Read(query);
        var status = query.OneOf("status", [.. WebhookKeys.DeliveryStatuses]);
        var eventType = query.Text("event_type", 100);
        query.ThrowIfInvalid();
        var page = await Directory(http, grains).Deliveries(
            new WebhookDeliveryQuery(webhookId, status, eventType, paging.Limit, paging.Offset), ct);
        return ApiResults.Ok(ListResponse.Build("deliveries",
            new JsonArray([.. page.Items.Select(d => (JsonNode)Wire.ToObject(WebhookContract.Delivery(d)))]), page.Total, paging));
    }

    private static async Task<IResult> DeadLetters(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var query = new ListRequest.QueryReader(http.Request.Query);
        var paging = ListPaging.Read(query);
        var webhookId = query.Text("webhook_id", 64);
        var eventType = query.Text("event_type", 100);
        query.ThrowIfInvalid();
        var page = await Directory(http, grains).Deliveries(
            new WebhookDeliveryQuery(webhookId, WebhookKeys.DeliveryFailed, eventType, paging.Limit, paging.Offset), ct);
        return ApiResults.Ok(ListResponse.Build("dead_letters",
            new JsonArray([.. page.Items.Select(d => (JsonNode)Wire.ToObject(WebhookContract.DeadLetter(d)))]), page.Total, paging));
    }

    private static async Task<IResult> Retry(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var fields = new FieldReader(await RequestBody.ReadObjectAsync(http.Request, ct));
        var deliveryId = fields.String("delivery_id", required: true, maxLength: 64);
        fields.ThrowIfInvalid();
        var delivery = await Directory(http, grains).Delivery(deliveryId!, ct)
            ?? throw new ApiException(ApiError.NotFound("Delivery not found"));
        var retried = await grains.GetGrain<IWebhookEndpointGrain>(WebhookKeys.Grain(http.Caller().Partition, delivery.WebhookId))
            .Retry(delivery.DeliveryId);
        return ApiResults.Ok(new WebhookDeliveryData(WebhookContract.Delivery(retried)));
    }

    private static async Task<IResult> Replay(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var fields = new FieldReader(await RequestBody.ReadObjectAsync(http.Request, ct));
        var webhookId = fields.String("webhook_id", required: true, maxLength: 64);
        var sinceSequence = fields.Integer("since_sequence", min: 0);
        var sinceTimestamp = fields.Timestamp("since_timestamp");
        var eventType = fields.String("event_type", maxLength: 100);
        fields.ThrowIfInvalid();
        var result = await Webhook(http, grains, webhookId).Replay(new WebhookReplayRequest(sinceSequence, sinceTimestamp, eventType));
        return ApiResults.Ok(new WebhookReplayData(result.Events.Count, result.WebhookId, result.HasMore,
            [.. result.Events.Select(e => new WebhookReplayedEvent(e.EventId, e.EventSequence, e.EventType, e.DeliveryId))]));
    }

    private static async Task<IResult> Cleanup(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var fields = new FieldReader(await RequestBody.ReadOptionalObjectAsync(http.Request, ct));
        var retentionDays = fields.Integer("retention_days", min: 1, max: 3650) ?? 30;
        var batchSize = fields.Integer("batch_size", min: 1, max: 100_000) ?? 10_000;
        fields.ThrowIfInvalid();
        var result = await Directory(http, grains).Cleanup(retentionDays, batchSize);
        return ApiResults.Ok(new WebhookCleanupData(result.CutoffDate, result.RetentionDays, result.EventsDeleted, result.DeliveriesDeleted));
    }

    private static async Task<object> Current(IWebhookEndpointGrain grain) => WebhookContract.Single(await grain.Get());

    private static IWebhookEndpointGrain Webhook(HttpContext http, IGrainFactory grains, string? id) =>
        grains.GetGrain<IWebhookEndpointGrain>(WebhookKeys.Grain(http.Caller().Partition,
            ResourceRequests.RequireId(id, WebhookKeys.IdPrefix, "Webhook")));

    private static IWebhookDirectoryGrain Directory(HttpContext http, IGrainFactory grains) =>
        grains.GetGrain<IWebhookDirectoryGrain>(http.Caller().Partition);
}
