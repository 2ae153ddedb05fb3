using Grains.Encryption;
using Grains.Interfaces.Events;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Webhooks;
using Grains.Platform;
using Grains.Webhooks.Delivery;
using Grains.Webhooks.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Grains.Webhooks;

/// <summary>
/// One webhook endpoint (key <c>{tenant}:{env}/wh_...</c>). Its state holds the settings and the encrypted secret;
/// its undelivered work lives in <c>webhook_delivery</c> rows it alone writes, mirrored in memory while it is
/// active (<c>WebhookEndpointGrain.Delivery.cs</c>). This half is the management API.
/// </summary>
public sealed partial class WebhookEndpointGrain(
    [PersistentState("webhook")] IPersistentState<WebhookEndpointState> state,
    IWebhookDeliveryStore store,
    WebhookDeliveryWriter writer,
    WebhookSender sender,
    WebhookTargetGuard guard,
    TenantKeyCache keys,
    TimeProvider time,
    IOptions<WebhookOptions> options,
    ILogger<WebhookEndpointGrain> logger) : Grain, IWebhookEndpointGrain, IRemindable
{
    /// <summary>After a rotation the standard scheme also signs with the old secret for this long.</summary>
    public static readonly TimeSpan RotationOverlap = TimeSpan.FromHours(24);

    // Serialises read-modify-write of the state: delivery outcomes finish between request turns.
    private readonly SemaphoreSlim stateGate = new(1, 1);

    private string GrainKey => this.GetPrimaryKeyString();

    private string Partition => GrainKey[..GrainKey.IndexOf('/')];

    private string WebhookId => GrainKey[(GrainKey.IndexOf('/') + 1)..];

    private string TenantId => Partition[..Partition.IndexOf(':')];

    private IWebhookDirectoryGrain Directory => GrainFactory.GetGrain<IWebhookDirectoryGrain>(Partition);

    private WebhookRecord Record => state.State.Record ?? throw DomainException.NotFound("Webhook");

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Record is null)
        {
            return;
        }
        if (state.State.DirectoryVersion < state.State.Version)
        {
            // Not awaited: an activation must not wait for another grain that may be deactivating (a silo shutting
            // down), which takes no new call until its running requests end; when that grain's request waited for this
            // endpoint, both were held until the 10 s response timeout (docs/decisions.md, "A graceful stop could deadlock").
            _ = SyncDirectory();
        }
        await LoadPending(cancellationToken);
    }

    public async Task<WebhookCreated> Create(WebhookSettings settings)
    {
        if (state.State.Version > 0)
        {
            throw DomainException.Conflict("conflict.already_exists", "A webhook with this id already exists");
        }
        await CheckTarget(settings.Url);
        if (!await Directory.Reserve(WebhookId))
        {
            throw DomainException.Conflict("conflict.webhook_limit_reached",
                $"A tenant environment can have at most {WebhookKeys.MaxEndpointsPerPartition} webhooks; delete unused ones first");
        }
        var secret = WebhookSecrets.New();
        var now = time.GetUtcNow();
        var record = new WebhookRecord(WebhookId, settings.Url, settings.Events, settings.Description, WebhookKeys.Active, null,
            settings.RetryPolicy, settings.SignatureScheme, settings.Ordered, settings.MaxInFlight,
            await Seal(secret), WebhookSecrets.Mask(secret), null, null, now, now, null);
        await Change(_ => record);
        return new WebhookCreated(View(record), secret);
    }

    public Task<WebhookView> Get() => Task.FromResult(View(Record));

    public async Task<WebhookView> Update(WebhookChanges changes, long? expectedVersion = null)
    {
        var current = Record;
        CheckVersion(expectedVersion);
        if (changes.Url is { } url && url != current.Url)
        {
            await CheckTarget(url);
        }
        var updated = await Change(record =>
        {
            CheckVersion(expectedVersion);
            var reenabled = changes.Status == WebhookKeys.Active && record.Status != WebhookKeys.Active;
            if (reenabled)
            {
                state.State.ConsecutiveDeadLetters = 0;
            }
            return record with
            {
                Url = changes.Url ?? record.Url,
                Events = changes.Events ?? record.Events,
                Status = changes.Status ?? record.Status,
                DisabledReason = changes.Status is null ? record.DisabledReason : null,
                Description = changes.ClearDescription ? null : changes.Description ?? record.Description,
                RetryPolicy = changes.ClearRetryPolicy ? null : changes.RetryPolicy ?? record.RetryPolicy,
                Ordered = changes.Ordered ?? record.Ordered,
                MaxInFlight = changes.MaxInFlight ?? record.MaxInFlight,
                UpdatedAt = time.GetUtcNow(),
            };
        });
        if (updated.Status == WebhookKeys.Active)
        {
            await LoadPending();
            Pump();
        }
        return View(updated);
    }

    public async Task Delete(long? expectedVersion = null)
    {
        _ = Record;
        await stateGate.WaitAsync();
        try
        {
            CheckVersion(expectedVersion);
            state.State.Record = null;
            state.State.Deleted = true;
            state.State.Version++;
            await state.WriteStateAsync();
        }
        finally
        {
            stateGate.Release();
        }
        queue.Clear();
        await Directory.Remove(WebhookId);
        await store.DeletePendingAsync(Partition, WebhookId);
        await StopReminder();
        DeactivateOnIdle();
    }

    public async Task<WebhookCreated> RotateSecret()
    {
        var secret = WebhookSecrets.New();
        var sealedSecret = await Seal(secret);
        var updated = await Change(record =>
        {
            var now = time.GetUtcNow();
            return record with
            {
                SecretCipher = sealedSecret,
                SecretHint = WebhookSecrets.Mask(secret),
                PreviousSecretCipher = record.SecretCipher,
                PreviousSecretUntil = now + RotationOverlap,
                SecretRotatedAt = now,
                UpdatedAt = now,
            };
        });
        secrets = null;
        return new WebhookCreated(View(updated), secret);
    }

    public async Task<WebhookTestResult> Test(string eventType)
    {
        var record = Record;
        var now = time.GetUtcNow();
        var eventId = ResourceIds.New("evt");
        var data = $$"""{"test":true,"webhook_id":"{{WebhookId}}","message":"Test event sent from Salesbooth"}""";
        var body = System.Text.Encoding.UTF8.GetBytes(WebhookPayloads.Build(eventId, eventType, now, data));
        var outcome = await Send(record, body, eventId, eventType, ResourceIds.New(WebhookKeys.DeliveryPrefix), replayed: false, readBody: true);
        return new WebhookTestResult(outcome.Success, outcome.StatusCode, outcome.ResponseBody, outcome.LatencyMs, outcome.Error, eventType);
    }

    public async Task<WebhookReplayResult> Replay(WebhookReplayRequest request)
    {
        var record = Record;
        if (record.Status == WebhookKeys.Disabled)
        {
            throw DomainException.Conflict("conflict.webhook_disabled",
                "The webhook is disabled; re-enable it with PATCH {\"status\":\"active\"} and replay again");
        }
        var log = GrainFactory.GetGrain<IEventLogGrain>(Partition);
        var matching = new List<EventLogEntry>();
        var since = request.SinceSequence;
        // Bounded scan: a replay call never reads more than this many log entries looking for matches.
        for (var page = 0; page < 100 && matching.Count <= WebhookKeys.MaxReplayEvents; page++)
        {
            var result = await log.Query(new EventLogQuery(since, request.SinceTimestamp, request.EventType, null, 500));
            matching.AddRange(result.Events.Where(e => WebhookEventPatterns.Matches(record.Events, e.Type)));
            if (!result.HasMore)
            {
                break;
            }
            since = result.LastSequence;
        }
        var chosen = matching.Take(WebhookKeys.MaxReplayEvents).ToList();
        var now = time.GetUtcNow();
        var rows = chosen.Select(e => NewDelivery(record, e, ResourceIds.New(WebhookKeys.DeliveryPrefix), isReplay: true, now)).ToList();
        await Accept(rows);
        return new WebhookReplayResult(WebhookId,
            [.. rows.Select(r => new WebhookReplayedEvent(r.EventId, r.EventSequence, r.EventType, r.DeliveryId))],
            matching.Count > chosen.Count);
    }

    private void CheckVersion(long? expected)
    {
        if (expected is { } version && version != state.State.Version)
        {
            throw DomainException.StaleVersion(state.State.Version);
        }
    }

    public Task<int> PendingCount() => Task.FromResult(queue.Count);

    /// <summary>Applies a change to the record under the state gate, writes it, and tells the directory.</summary>
    private async Task<WebhookRecord> Change(Func<WebhookRecord, WebhookRecord> change)
    {
        WebhookRecord updated;
        await stateGate.WaitAsync();
        try
        {
            var previous = state.State.Record;
            if (previous is null && state.State.Version > 0)
            {
                throw DomainException.NotFound("Webhook");
            }
            updated = change(previous!);
            state.State.Record = updated;
            state.State.Version++;
            try
            {
                await state.WriteStateAsync();
            }
            catch
            {
                // The write may or may not have landed: read the truth on the next activation.
                DeactivateOnIdle();
                throw;
            }
        }
        finally
        {
            stateGate.Release();
        }
        await SyncDirectory();
        return updated;
    }

    private async Task SyncDirectory()
    {
        var version = state.State.Version;
        try
        {
            if (state.State.Record is { } record)
            {
                await Directory.Upsert(new WebhookSubscription(record.Id, record.Events, record.Status, version, View(record)));
            }
            else
            {
                await Directory.Remove(WebhookId);
            }
            state.State.DirectoryVersion = Math.Max(state.State.DirectoryVersion, version);
        }
        catch (Exception ex)
        {
            // The change is stored; the next activation tells the directory again.
            logger.LogWarning(ex, "Telling the directory about {Webhook} v{Version} failed", GrainKey, version);
        }
    }

    private async Task CheckTarget(string url)
    {
        var check = await guard.CheckAsync(new Uri(url), CancellationToken.None);
        if (!check.Allowed)
        {
            throw DomainException.Invalid("url", "target_not_allowed", check.Reason ?? "The webhook URL is not allowed");
        }
    }

    private string SecretContext => $"webhook/{Partition}/{WebhookId}/secret";

    private async Task<string> Seal(string secret) => (await keys.ForTenant(TenantId)).Encrypt(secret, SecretContext);

    private WebhookView View(WebhookRecord record) => new(record.Id, record.Url, record.Events, record.Description, record.Status,
        record.DisabledReason, record.RetryPolicy, record.SignatureScheme, record.Ordered, record.MaxInFlight, record.SecretHint,
        state.State.ConsecutiveDeadLetters, record.CreatedAt, record.UpdatedAt, record.SecretRotatedAt, state.State.Version);
}
