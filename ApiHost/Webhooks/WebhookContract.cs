using System.Text.Json;
using System.Text.Json.Nodes;
using ApiHost.Api;
using Grains.Interfaces.Webhooks;

namespace ApiHost.Webhooks;

/// <summary>The wire shape of webhooks and deliveries (Salesbooth document §Webhooks), and reading request bodies.</summary>
public static class WebhookContract
{
    public static WebhookSettings ReadCreate(JsonElement body)
    {
        var fields = new FieldReader(body);
        var url = fields.Url("url", required: true);
        var events = Events(fields, required: true);
        var description = fields.String("description", maxLength: WebhookKeys.DescriptionMaxLength);
        var policy = RetryPolicy(fields, body);
        var scheme = fields.Enum("signature_scheme", [WebhookKeys.SalesboothScheme, WebhookKeys.StandardScheme]);
        var ordered = fields.Boolean("ordered");
        var maxInFlight = fields.Integer("max_in_flight", min: 1, max: WebhookKeys.MaxMaxInFlight);
        fields.ThrowIfInvalid();
        return new WebhookSettings(url!, events!, description, policy.Value, scheme ?? WebhookKeys.SalesboothScheme,
            ordered ?? false, maxInFlight ?? WebhookKeys.DefaultMaxInFlight);
    }

    public static WebhookChanges ReadUpdate(JsonElement body)
    {
        var fields = new FieldReader(body);
        var url = fields.Url("url");
        var events = Events(fields, required: false);
        var status = fields.Enum("status", [.. WebhookKeys.SettableStatuses]);
        var description = fields.String("description", maxLength: WebhookKeys.DescriptionMaxLength, allowEmpty: true);
        var policy = RetryPolicy(fields, body);
        var ordered = fields.Boolean("ordered");
        var maxInFlight = fields.Integer("max_in_flight", min: 1, max: WebhookKeys.MaxMaxInFlight);
        foreach (var name in new[] { "url", "events", "status" })
        {
            if (body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Null)
            {
                fields.Fail(name, "invalid", $"{name} cannot be null");
            }
        }
        fields.ThrowIfInvalid();
        return new WebhookChanges(url, events, status, string.IsNullOrEmpty(description) ? null : description, policy.Value,
            ClearRetryPolicy: policy.Cleared, Ordered: ordered, MaxInFlight: maxInFlight,
            ClearDescription: fields.Has("description") && string.IsNullOrEmpty(description));
    }

    private static IReadOnlyList<string>? Events(FieldReader fields, bool required)
    {
        var events = fields.StringList("events", WebhookKeys.MaxEventPatterns);
        if (events is null)
        {
            if (required && fields.IsValid)
            {
                fields.Fail("events", "required", "events is required: a list such as [\"deal.created\"]");
            }
            return null;
        }
        if (events.Count == 0)
        {
            fields.Fail("events", "required", "events must name at least one event");
            return null;
        }
        var problems = events.Select(WebhookEventPatterns.Problem).OfType<string>().ToList();
        if (problems.Count > 0)
        {
            fields.Fail("events", "unknown_event", string.Join("; ", problems));
            return null;
        }
        return [.. events.Distinct(StringComparer.Ordinal)];
    }

    /// <summary><c>retry_policy</c>: an object, or null in a PATCH to return to the default schedule.</summary>
    private static (WebhookRetryPolicy? Value, bool Cleared) RetryPolicy(FieldReader fields, JsonElement body)
    {
        if (!body.TryGetProperty("retry_policy", out var value))
        {
            return (null, false);
        }
        if (value.ValueKind == JsonValueKind.Null)
        {
            return (null, true);
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            fields.Fail("retry_policy", "invalid_type", "retry_policy must be an object {max_attempts, backoff_ms}");
            return (null, false);
        }
        var inner = new FieldReader(value);
        var attempts = inner.Integer("max_attempts", required: true, min: WebhookKeys.MinPolicyAttempts, max: WebhookKeys.MaxPolicyAttempts);
        var backoff = inner.Integer("backoff_ms", required: true, min: (int)WebhookKeys.MinBackoffMs, max: (int)WebhookKeys.MaxBackoffMs);
        foreach (var (name, error) in inner.Errors)
        {
            fields.Fail($"retry_policy.{name}", error.Code, error.Message);
        }
        return inner.IsValid ? (new WebhookRetryPolicy(attempts!.Value, backoff!.Value), false) : (null, false);
    }

    public static WebhookResource Resource(WebhookView w, string? secret = null) => new(w.Id, w.Id, w.Url, w.Events, w.Description, w.Status,
        w.DisabledReason, w.RetryPolicy is { } p ? new WebhookRetryPolicyRecord { MaxAttempts = p.MaxAttempts, BackoffMs = p.BackoffMs } : null,
        w.SignatureScheme, w.Ordered, w.MaxInFlight, secret ?? w.SecretMasked, w.ConsecutiveDeadLetters, w.SecretRotatedAt, w.Version,
        w.CreatedAt, w.UpdatedAt);

    /// <summary><c>{"webhook": {...}}</c>; with the full secret only when it was just made.</summary>
    public static WebhookData Single(WebhookView webhook, string? secret = null) => new(Resource(webhook, secret));

    public static WebhookDeliveryRecord Delivery(WebhookDelivery d) => new(d.DeliveryId, d.WebhookId, d.EventId, d.EventSequence, d.EventType,
        d.Status, d.Attempts, d.MaxAttempts, d.ResponseCode, d.ErrorMessage, d.IsReplay, d.NextAttemptAt, d.DeliveredAt, d.RetriedAt, d.CreatedAt);

    /// <summary>A dead letter carries the event's <c>data</c> as <c>payload</c>, as the document shows.</summary>
    public static WebhookDeliveryRecord DeadLetter(WebhookDelivery d) =>
        Delivery(d) with { Payload = JsonNode.Parse(d.Payload)?["data"]?.DeepClone() };
}
