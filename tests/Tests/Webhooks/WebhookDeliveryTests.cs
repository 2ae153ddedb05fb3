using System.Net;
using System.Text.Json;
using Grains.Events;
using Grains.Interfaces.Events;
using Grains.Interfaces.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Tests.Infrastructure;

namespace Tests.Webhooks;

/// <summary>
/// Delivery end to end in the embedded topology: a customer change → the event log → the endpoint grain → a real
/// HTTP receiver on loopback. Business time (the retry schedule) is a FakeTimeProvider moved by the test; only
/// the network hop is awaited, with <see cref="Eventually"/>.
/// </summary>
public sealed class WebhookDeliveryTests(WebhookDeliveryTests.Api api) : IClassFixture<WebhookDeliveryTests.Api>
{
    public sealed class Api() : WebhookApi;

    private static readonly TimeSpan Network = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_customer_change_is_posted_signed_with_the_documents_payload_and_headers()
    {
        var tenant = await api.NewTenantAsync();
        await using var receiver = await new WebhookReceiver().StartAsync();
        var (webhookId, secret) = await tenant.RegisterAsync(receiver.Url, """["customer.*"]""");
        var customerId = await tenant.NewCustomerAsync();

        var delivery = await Eventually.Get(() => Task.FromResult(receiver.Received), r => r.Count >= 1, Network, "the delivery")
            .ContinueWith(t => t.Result[0]);
        var payload = JsonDocument.Parse(delivery.Body).RootElement;
        Assert.Matches("^evt_[0-9a-f]{24}$", payload.Str("id"));
        Assert.Equal("customer.created", payload.Str("event"));
        Assert.Equal(customerId, payload.GetProperty("data").Str("id"));
        Assert.True(payload.TryGetProperty("created_at", out _));
        Assert.Equal("customer.created", delivery.Header("X-Salesbooth-Event"));
        Assert.Equal(payload.Str("id"), delivery.Header("X-Salesbooth-Event-Id"));
        Assert.StartsWith("whd_", delivery.Header("X-Salesbooth-Delivery"));
        Assert.Equal("", delivery.Header("X-Salesbooth-Replayed"));
        Assert.Equal(api.Time.GetUtcNow().ToUnixTimeSeconds().ToString(), delivery.Header("X-Salesbooth-Timestamp"));

        // The independent verifier accepts it, and rejects a tampered body, another secret or a stale timestamp.
        Assert.True(WebhookCalls.VerifySalesbooth(delivery, secret, api.Time.GetUtcNow()));
        var tampered = delivery with { Body = [.. delivery.Body.Take(delivery.Body.Length - 2), (byte)' ', (byte)'}'] };
        Assert.False(WebhookCalls.VerifySalesbooth(tampered, secret, api.Time.GetUtcNow()));
        Assert.False(WebhookCalls.VerifySalesbooth(delivery, secret + "x", api.Time.GetUtcNow()));
        Assert.False(WebhookCalls.VerifySalesbooth(delivery, secret, api.Time.GetUtcNow().AddSeconds(301)));

        // The delivery record and the event's status follow.
        var record = await Eventually.Get(() => tenant.DeliveriesAsync(webhookId), d => d.Length == 1 && d[0].Str("status") == "success",
            Network, "the delivery record");
        Assert.Equal(1, record[0].GetProperty("attempts").GetInt32());
        Assert.Equal(200, record[0].GetProperty("response_code").GetInt32());
        await Eventually.Get(async () => (await tenant.SendAsync(HttpMethod.Get, "/v1/webhooks/events?status=delivered")).Body,
            b => b.GetProperty("data").GetProperty("events").EnumerateArray().Any(e => e.Str("event_id") == payload.Str("id")),
            Network, "the event to be marked delivered");
    }

    [Fact]
    public async Task A_receiver_down_for_the_whole_schedule_gets_a_dead_letter_at_six_hours_and_replay_delivers_the_same_event()
    {
        var tenant = await api.NewTenantAsync();
        var receiver = new WebhookReceiver(); // not started: connections are refused
        var (webhookId, secret) = await tenant.RegisterAsync(receiver.Url, """["customer.created"]""");
        var start = api.Time.GetUtcNow();
        await tenant.NewCustomerAsync();

        var first = await Eventually.Get(() => tenant.DeliveriesAsync(webhookId), d => d.Length == 1 && d[0].GetProperty("attempts").GetInt32() == 1,
            Network, "the first attempt");
        var eventId = first[0].Str("event_id");
        Assert.Equal("pending", first[0].Str("status"));
        Assert.Equal(6, first[0].GetProperty("max_attempts").GetInt32());

        TimeSpan[] retries = [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(6)];
        for (var i = 0; i < retries.Length; i++)
        {
            var pending = (await tenant.DeliveriesAsync(webhookId))[0];
            var due = pending.GetProperty("next_attempt_at").GetDateTimeOffset();
            // Due at the documented offset from the first attempt, delayed by at most the 5-minute jitter.
            Assert.InRange(due, start + retries[i], start + retries[i] + TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

            // A tick before it is due sends nothing.
            api.Time.SetUtcNow(due - TimeSpan.FromSeconds(1));
            await api.WakeAsync(tenant, webhookId);
            Assert.Equal(i + 1, (await tenant.DeliveriesAsync(webhookId))[0].GetProperty("attempts").GetInt32());

            api.Time.SetUtcNow(due);
            await api.WakeAsync(tenant, webhookId);
            await Eventually.Get(() => tenant.DeliveriesAsync(webhookId), d => d[0].GetProperty("attempts").GetInt32() == i + 2,
                Network, $"retry {i + 1}");
        }

        var dead = await Eventually.Get(() => tenant.DeliveriesAsync(webhookId), d => d[0].Str("status") == "failed", Network, "the dead letter");
        Assert.Equal(6, dead[0].GetProperty("attempts").GetInt32());
        var (_, letters) = await tenant.SendAsync(HttpMethod.Get, $"/v1/webhooks/dead_letter?webhook_id={webhookId}");
        var letter = Assert.Single(letters.GetProperty("data").GetProperty("dead_letters").EnumerateArray());
        Assert.Equal(eventId, letter.Str("event_id"));
        Assert.Equal("failed", letter.Str("status"));
        Assert.True(letter.GetProperty("payload").TryGetProperty("id", out _));

        // The receiver comes back; replay re-delivers the same event id, marked as a replay.
        await receiver.StartAsync();
        await using var running = receiver;
        var (response, replay) = await tenant.SendAsync(HttpMethod.Post, "/v1/webhooks/replay", $$"""{"webhook_id":"{{webhookId}}","since_sequence":0}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var replayed = Assert.Single(replay.GetProperty("data").GetProperty("events").EnumerateArray());
        Assert.Equal(eventId, replayed.Str("event_id"));
        Assert.False(replay.GetProperty("data").GetProperty("has_more").GetBoolean());
        var received = await Eventually.Get(() => Task.FromResult(receiver.Received), r => r.Count == 1, Network, "the replayed delivery");
        Assert.Equal(eventId, received[0].EventId);
        Assert.Equal("true", received[0].Header("X-Salesbooth-Replayed"));
        Assert.True(WebhookCalls.VerifySalesbooth(received[0], secret, api.Time.GetUtcNow()));
    }

    [Fact]
    public async Task An_ordered_endpoint_receives_events_strictly_by_sequence_even_when_one_fails_in_between()
    {
        var tenant = await api.NewTenantAsync();
        await using var receiver = await new WebhookReceiver().StartAsync();
        var failedOnce = 0;
        string? failedEvent = null;
        receiver.Respond = r =>
        {
            // The second event fails twice before it succeeds.
            var isSecond = JsonDocument.Parse(r.Body).RootElement.GetProperty("data").Str("company") == "Customer 2";
            if (isSecond && failedOnce < 2)
            {
                failedOnce++;
                failedEvent = r.EventId;
                return Task.FromResult<(int, IReadOnlyDictionary<string, string>?)>((503, null));
            }
            return Task.FromResult<(int, IReadOnlyDictionary<string, string>?)>((200, null));
        };
        var (webhookId, _) = await tenant.RegisterAsync(receiver.Url, """["customer.created"]""",
            ""","ordered":true,"retry_policy":{"max_attempts":5,"backoff_ms":1000}""");
        for (var i = 1; i <= 5; i++)
        {
            await tenant.NewCustomerAsync($"Customer {i}");
        }

        // Move the clock past each 1 s / 2 s backoff and wake the endpoint until all five have arrived.
        await Eventually.Get(async () =>
        {
            api.Time.Advance(TimeSpan.FromSeconds(5));
            await api.WakeAsync(tenant, webhookId);
            return receiver.Succeeded;
        }, r => r.Count == 5, Network, "all five deliveries");

        var (_, log) = await tenant.SendAsync(HttpMethod.Get, "/v1/webhooks/events?event_type=customer.created");
        var bySequence = log.GetProperty("data").GetProperty("events").EnumerateArray().Select(e => e.Str("event_id")).ToList();
        Assert.Equal(bySequence, receiver.Succeeded.Select(r => r.EventId).ToList());
        Assert.Equal(2, failedOnce);
        // Nothing after the failing event was attempted before it succeeded.
        var attempts = receiver.Received.Select(r => r.EventId).ToList();
        Assert.Equal([bySequence[0], failedEvent!, failedEvent!, failedEvent!, .. bySequence.Skip(2)], attempts);
    }

    [Fact]
    public async Task Events_logged_but_not_handed_on_before_a_crash_are_delivered_by_the_logs_next_activation_and_stored_ones_are_not_resent()
    {
        var tenant = await api.NewTenantAsync();
        await using var receiver = await new WebhookReceiver().StartAsync();
        await tenant.RegisterAsync(receiver.Url, """["customer.*"]""");
        await tenant.NewCustomerAsync("Before the crash");
        var delivered = await Eventually.Get(() => Task.FromResult(receiver.Received), r => r.Count == 1, Network, "the live delivery");
        var log = api.Grains.GetGrain<IEventLogGrain>(tenant.Partition);
        var reminders = api.Services.GetRequiredService<IReminderTable>();
        Assert.Contains((await reminders.ReadRows(log.GetGrainId())).Reminders, r => r.ReminderName == EventLogGrain.DispatchReminder);

        // The crash: every activation is gone; the log holds one more event that was never handed on, and the
        // delivered one still looks pending (its status pass did not run either).
        await api.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var store = api.Services.GetRequiredService<IEventLogStore>();
        await store.SetStatusesAsync([new EventStatusChange(tenant.Partition, delivered[0].EventId, EventStatuses.Pending)]);
        var lost = new OutboxEvent($"evt_{Guid.NewGuid():N}"[..28], "customer.updated", api.Time.GetUtcNow(), """{"id":"cus_lost"}""");
        var sequence = (await store.AppendAsync(tenant.Partition, [lost]))[0];

        // Its reminder wakes the log: the sweep hands on what is after the mark; the endpoint skips the stored delivery.
        await log.AsReference<IRemindable>().ReceiveReminder(EventLogGrain.DispatchReminder, default);
        var received = await Eventually.Get(() => Task.FromResult(receiver.Received), r => r.Count >= 2, Network, "the lost event");
        Assert.Equal([delivered[0].EventId, lost.Id], received.Select(r => r.EventId));
        await Eventually.Get(() => store.DispatchPositionAsync(tenant.Partition), p => p.DispatchedThrough == sequence, Network, "the mark");

        // Caught up: the next tick removes the reminder, and nothing more arrives.
        await log.AsReference<IRemindable>().ReceiveReminder(EventLogGrain.DispatchReminder, default);
        Assert.DoesNotContain((await reminders.ReadRows(log.GetGrainId())).Reminders, r => r.ReminderName == EventLogGrain.DispatchReminder);
        Assert.Equal(2, receiver.Received.Count);
    }

    [Fact]
    public async Task Without_ordering_at_most_eight_deliveries_are_in_flight_to_one_endpoint()
    {
        var tenant = await api.NewTenantAsync();
        await using var receiver = await new WebhookReceiver().StartAsync();
        var inFlight = 0;
        var peak = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Respond = async _ =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref peak, now);
            await gate.Task.WaitAsync(Network);
            Interlocked.Decrement(ref inFlight);
            return (200, null);
        };
        var (webhookId, _) = await tenant.RegisterAsync(receiver.Url, """["customer.created"]""");
        for (var i = 0; i < 12; i++)
        {
            await tenant.NewCustomerAsync($"Customer {i}");
        }
        await Eventually.Get(() => Task.FromResult(Volatile.Read(ref inFlight)), n => n == 8, Network, "eight requests in flight");
        gate.SetResult();
        await Eventually.Get(() => Task.FromResult(receiver.Succeeded), r => r.Count == 12, Network, "all twelve");
        Assert.Equal(8, peak);
        Assert.Equal(12, (await tenant.DeliveriesAsync(webhookId, "&status=success")).Length);
    }

    [Fact]
    public async Task A_paused_endpoint_accumulates_and_delivers_everything_on_resume()
    {
        var tenant = await api.NewTenantAsync();
        await using var receiver = await new WebhookReceiver().StartAsync();
        var (webhookId, _) = await tenant.RegisterAsync(receiver.Url, """["customer.created"]""");
        var (paused, _) = await tenant.SendAsync(HttpMethod.Patch, $"/v1/webhooks?id={webhookId}", """{"status":"paused"}""");
        Assert.Equal("paused", paused.IsSuccessStatusCode ? "paused" : paused.StatusCode.ToString());
        for (var i = 0; i < 3; i++)
        {
            await tenant.NewCustomerAsync($"Customer {i}");
        }
        var grain = api.Grains.GetGrain<IWebhookEndpointGrain>(WebhookKeys.Grain(tenant.Partition, webhookId));
        // The log hands events on after the appends return: wait for the three to be stored, pending.
        await Eventually.Get(() => tenant.DeliveriesAsync(webhookId), d => d.Length == 3, Network, "three stored deliveries");
        Assert.Equal(3, await grain.PendingCount());
        Assert.Empty(receiver.Received);
        Assert.All(await tenant.DeliveriesAsync(webhookId), d => Assert.Equal("pending", d.Str("status")));

        await tenant.SendAsync(HttpMethod.Patch, $"/v1/webhooks?id={webhookId}", """{"status":"active"}""");
        await Eventually.Get(() => Task.FromResult(receiver.Succeeded), r => r.Count == 3, Network, "the accumulated deliveries");
    }

    [Fact]
    public async Task Gone_disables_the_endpoint_and_re_enabling_plus_replay_recovers_everything()
    {
        var tenant = await api.NewTenantAsync();
        await using var receiver = await new WebhookReceiver().StartAsync();
        receiver.Respond = _ => Task.FromResult<(int, IReadOnlyDictionary<string, string>?)>((410, null));
        var (webhookId, _) = await tenant.RegisterAsync(receiver.Url, """["customer.created"]""");
        await tenant.NewCustomerAsync("First");
        var disabled = await Eventually.Get(async () => (await tenant.SendAsync(HttpMethod.Get, $"/v1/webhooks?id={webhookId}")).Body,
            b => b.GetProperty("data").GetProperty("webhook").Str("status") == "disabled", Network, "the endpoint to be disabled");
        Assert.Contains("410", disabled.GetProperty("data").GetProperty("webhook").Str("disabled_reason"));

        // Disabled: later events are not handed to it.
        await tenant.NewCustomerAsync("Second");
        Assert.Single(receiver.Received);

        receiver.Respond = _ => Task.FromResult<(int, IReadOnlyDictionary<string, string>?)>((200, null));
        var (enabled, _) = await tenant.SendAsync(HttpMethod.Patch, $"/v1/webhooks?id={webhookId}", """{"status":"active"}""");
        Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        var (_, replay) = await tenant.SendAsync(HttpMethod.Post, "/v1/webhooks/replay", $$"""{"webhook_id":"{{webhookId}}","since_sequence":0}""");
        Assert.Equal(2, replay.GetProperty("data").GetProperty("replayed").GetInt32());
        var received = await Eventually.Get(() => Task.FromResult(receiver.Succeeded), r => r.Count == 2, Network, "both events");
        Assert.All(received, r => Assert.Equal("true", r.Header("X-Salesbooth-Replayed")));
    }

    [Fact]
    public async Task Five_consecutive_dead_letters_disable_the_endpoint()
    {
        var tenant = await api.NewTenantAsync();
        await using var receiver = await new WebhookReceiver().StartAsync();
        receiver.Respond = _ => Task.FromResult<(int, IReadOnlyDictionary<string, string>?)>((500, null));
        var (webhookId, _) = await tenant.RegisterAsync(receiver.Url, """["customer.created"]""",
            ""","retry_policy":{"max_attempts":1,"backoff_ms":1000}""");
        for (var i = 0; i < 5; i++)
        {
            await tenant.NewCustomerAsync($"Customer {i}");
        }
        var webhook = await Eventually.Get(async () => (await tenant.SendAsync(HttpMethod.Get, $"/v1/webhooks/{webhookId}")).Body,
            b => b.GetProperty("data").GetProperty("webhook").Str("status") == "disabled", Network, "the endpoint to be disabled");
        Assert.Equal(5, webhook.GetProperty("data").GetProperty("webhook").GetProperty("consecutive_dead_letters").GetInt32());
        Assert.Equal(5, (await tenant.DeliveriesAsync(webhookId, "&status=failed")).Length);
    }

    [Fact]
    public async Task Retry_after_from_the_receiver_postpones_the_next_attempt()
    {
        var tenant = await api.NewTenantAsync();
        await using var receiver = await new WebhookReceiver().StartAsync();
        receiver.Respond = _ => Task.FromResult<(int, IReadOnlyDictionary<string, string>?)>((429,
            new Dictionary<string, string> { ["Retry-After"] = "600" }));
        var (webhookId, _) = await tenant.RegisterAsync(receiver.Url, """["customer.created"]""");
        var start = api.Time.GetUtcNow();
        await tenant.NewCustomerAsync();
        var delivery = await Eventually.Get(() => tenant.DeliveriesAsync(webhookId), d => d.Length == 1 && d[0].GetProperty("attempts").GetInt32() == 1,
            Network, "the first attempt");
        Assert.Equal(429, delivery[0].GetProperty("response_code").GetInt32());
        // The default first retry would be at one minute; the receiver asked for ten.
        Assert.True(delivery[0].GetProperty("next_attempt_at").GetDateTimeOffset() >= start + TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task Retry_re_delivers_a_dead_letter_now_and_test_reports_what_the_receiver_answered()
    {
        var tenant = await api.NewTenantAsync();
        await using var receiver = await new WebhookReceiver().StartAsync();
        receiver.Respond = _ => Task.FromResult<(int, IReadOnlyDictionary<string, string>?)>((500, null));
        var (webhookId, _) = await tenant.RegisterAsync(receiver.Url, """["customer.created"]""",
            ""","retry_policy":{"max_attempts":1,"backoff_ms":1000}""");
        await tenant.NewCustomerAsync();
        var dead = await Eventually.Get(() => tenant.DeliveriesAsync(webhookId, "&status=failed"), d => d.Length == 1, Network, "the dead letter");

        receiver.Respond = _ => Task.FromResult<(int, IReadOnlyDictionary<string, string>?)>((200, null));
        var (response, retried) = await tenant.SendAsync(HttpMethod.Post, "/v1/webhooks/retry", $$"""{"delivery_id":"{{dead[0].Str("delivery_id")}}"}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var delivery = retried.GetProperty("data").GetProperty("delivery");
        Assert.Equal("success", delivery.Str("status"));
        Assert.Equal(2, delivery.GetProperty("attempts").GetInt32());
        Assert.Equal(200, delivery.GetProperty("response_code").GetInt32());
        Assert.True(delivery.TryGetProperty("retried_at", out _));
        Assert.Equal(receiver.Received[0].EventId, receiver.Received[1].EventId);

        var (testResponse, test) = await tenant.SendAsync(HttpMethod.Post, $"/v1/webhooks/test?id={webhookId}", """{"event_type":"deal.created"}""");
        Assert.Equal(HttpStatusCode.OK, testResponse.StatusCode);
        var result = test.GetProperty("data");
        Assert.True(result.GetProperty("success").GetBoolean());
        Assert.Equal(200, result.GetProperty("response_code").GetInt32());
        Assert.Equal("OK", result.Str("response_body"));
        Assert.Equal("deal.created", result.Str("event_type"));
        Assert.True(result.GetProperty("latency_ms").GetInt64() >= 0);
        Assert.Equal("deal.created", receiver.Received[^1].Header("X-Salesbooth-Event"));

        // A retry of a delivery that already succeeded is refused; an unknown one is not found.
        var (again, againBody) = await tenant.SendAsync(HttpMethod.Post, "/v1/webhooks/retry", $$"""{"delivery_id":"{{dead[0].Str("delivery_id")}}"}""");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("conflict.delivery_succeeded", againBody.Code());
        var (missing, _) = await tenant.SendAsync(HttpMethod.Post, "/v1/webhooks/retry", """{"delivery_id":"whd_000000000000000000000000"}""");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task An_event_two_endpoints_want_is_partially_delivered_when_one_of_them_dead_letters()
    {
        var tenant = await api.NewTenantAsync();
        await using var good = await new WebhookReceiver().StartAsync();
        await using var bad = await new WebhookReceiver().StartAsync();
        bad.Respond = _ => Task.FromResult<(int, IReadOnlyDictionary<string, string>?)>((500, null));
        await tenant.RegisterAsync(good.Url, """["customer.created"]""");
        await tenant.RegisterAsync(bad.Url, """["customer.created"]""", ""","retry_policy":{"max_attempts":1,"backoff_ms":1000}""");
        await tenant.NewCustomerAsync();
        await Eventually.Get(async () => (await tenant.SendAsync(HttpMethod.Get, "/v1/webhooks/events?status=partially_delivered")).Body,
            b => b.GetProperty("data").GetProperty("events").GetArrayLength() == 1, Network, "a partially delivered event");
    }

    [Fact]
    public async Task After_a_rotation_deliveries_are_signed_with_the_new_secret()
    {
        var tenant = await api.NewTenantAsync();
        await using var receiver = await new WebhookReceiver().StartAsync();
        var (webhookId, oldSecret) = await tenant.RegisterAsync(receiver.Url, """["customer.created"]""");
        var (response, rotated) = await tenant.SendAsync(HttpMethod.Post, $"/v1/webhooks/rotate_secret?id={webhookId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var newSecret = rotated.GetProperty("data").GetProperty("webhook").Str("secret");
        Assert.NotEqual(oldSecret, newSecret);
        Assert.StartsWith("whsec_", newSecret);

        await tenant.NewCustomerAsync();
        var delivery = (await Eventually.Get(() => Task.FromResult(receiver.Received), r => r.Count == 1, Network, "the delivery"))[0];
        Assert.True(WebhookCalls.VerifySalesbooth(delivery, newSecret, api.Time.GetUtcNow()));
        Assert.False(WebhookCalls.VerifySalesbooth(delivery, oldSecret, api.Time.GetUtcNow()));

        // Reads never show the secret again.
        var (_, read) = await tenant.SendAsync(HttpMethod.Get, $"/v1/webhooks?id={webhookId}");
        Assert.DoesNotContain(newSecret, read.ToString());
    }

    [Fact]
    public async Task Cleanup_deletes_delivered_events_and_successful_deliveries_past_retention()
    {
        var tenant = await api.NewTenantAsync();
        await using var receiver = await new WebhookReceiver().StartAsync();
        var (webhookId, _) = await tenant.RegisterAsync(receiver.Url, """["customer.created"]""");
        await tenant.NewCustomerAsync();
        await Eventually.Get(async () => (await tenant.SendAsync(HttpMethod.Get, "/v1/webhooks/events?status=delivered")).Body,
            b => b.GetProperty("data").GetProperty("events").GetArrayLength() == 1, Network, "the delivered event");

        var (_, early) = await tenant.SendAsync(HttpMethod.Post, "/v1/webhooks/cleanup", """{"retention_days":30}""");
        Assert.Equal(0, early.GetProperty("data").GetProperty("events_deleted").GetInt32());

        api.Time.Advance(TimeSpan.FromDays(31));
        var (response, cleaned) = await tenant.SendAsync(HttpMethod.Post, "/v1/webhooks/cleanup", """{"retention_days":30,"batch_size":10000}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, cleaned.GetProperty("data").GetProperty("events_deleted").GetInt32());
        Assert.Equal(1, cleaned.GetProperty("data").GetProperty("deliveries_deleted").GetInt32());
        Assert.Empty(await tenant.DeliveriesAsync(webhookId));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
