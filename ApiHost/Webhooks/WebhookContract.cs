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

    public static JsonObject ToJson(WebhookView w) => new()
    {
        ["id"] = w.Id,
        ["webhook_id"] = w.Id,
        ["url"] = w.Url,
        ["events"] = new JsonArray([.. w.Events.Select(e => (JsonNode)e)]),
        ["description"] = w.Description,
        ["status"] = w.Status,
        ["disabled_reason"] = w.DisabledReason,
        ["retry_policy"] = w.RetryPolicy is { } p
            ? new JsonObject { ["max_attempts"] = p.MaxAttempts, ["backoff_ms"] = p.BackoffMs }
            : null,
        ["signature_scheme"] = w.SignatureScheme,
        ["ordered"] = w.Ordered,
        ["max_in_flight"] = w.MaxInFlight,
        ["secret"] = w.SecretMasked,
        ["consecutive_dead_letters"] = w.ConsecutiveDeadLetters,
        ["secret_rotated_at"] = w.SecretRotatedAt,
        ["version"] = w.Version,
        ["created_at"] = w.CreatedAt,
        ["updated_at"] = w.UpdatedAt,
    };

    /// <summary><c>{"webhook": {...}}</c>; with the full secret only when it was just made.</summary>
    public static JsonObject Single(WebhookView webhook, string? secret = null)
    {
        var json = ToJson(webhook);
        if (secret is not null)
        {
            json["secret"] = secret;
        }
        return new JsonObject { ["webhook"] = json };
    }

    public static JsonObject Delivery(WebhookDelivery d) => new()
    {
        ["delivery_id"] = d.DeliveryId,
        ["webhook_id"] = d.WebhookId,
        ["event_id"] = d.EventId,
        ["event_sequence"] = d.EventSequence,
        ["event_type"] = d.EventType,
        ["status"] = d.Status,
        ["attempts"] = d.Attempts,
        ["max_attempts"] = d.MaxAttempts,
        ["response_code"] = d.ResponseCode,
        ["error_message"] = d.ErrorMessage,
        ["is_replay"] = d.IsReplay,
        ["next_attempt_at"] = d.NextAttemptAt,
        ["delivered_at"] = d.DeliveredAt,
        ["retried_at"] = d.RetriedAt,
        ["created_at"] = d.CreatedAt,
    };

    /// <summary>A dead letter carries the event's <c>data</c> as <c>payload</c>, as the document shows.</summary>
    public static JsonObject DeadLetter(WebhookDelivery d)
    {
        var json = Delivery(d);
        json["payload"] = JsonNode.Parse(d.Payload)?["data"]?.DeepClone();
        return json;
    }

}
