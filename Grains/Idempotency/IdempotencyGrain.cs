using Grains.Interfaces.Telemetry;
using Grains.Interfaces.Idempotency;
using Grains.Platform.Telemetry;

namespace Grains.Idempotency;

/// <summary>
/// Holds one Idempotency-Key's record in the default storage provider (Postgres in cluster mode), so
/// a replay is answered after a silo restart. Expiry is checked on every call by the clock (a key past
/// its 24 h is new again at once); a one-shot reminder due at expiry deletes the stored record
/// afterwards, so keys that are never sent again do not pile up in storage.
/// </summary>
// Most keys are used once or twice within seconds: let idle activations go well before the 15-minute default.
[CollectionAgeLimit(Minutes = 2)]
public sealed class IdempotencyGrain(
    [PersistentState("idempotency")] IPersistentState<IdempotencyState> state,
    TimeProvider time) : Grain, IIdempotencyGrain, IRemindable
{
    public const string ExpiryReminder = "idempotency-expiry";

    // Reminders cannot be one-shot; the first tick unregisters it, so the period only matters if that fails.
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromHours(1);

    public async Task<IdempotencyClaim> Begin(string fingerprint)
    {
        var now = time.GetUtcNow();
        if (Live(now) is not { } record)
        {
            // Schedule the clean-up before writing: a reminder without a record is harmless, a record without one lingers.
            await this.RegisterOrUpdateReminder(ExpiryReminder, IdempotencyPolicy.Retention, ReminderPeriod);
            state.State = new IdempotencyState { Fingerprint = fingerprint, FirstUsedAt = now, Seed = Guid.NewGuid().ToString("N") };
            return await Lease(now);
        }
        if (record.Fingerprint != fingerprint)
        {
            return new IdempotencyClaim(IdempotencyOutcome.Mismatch);
        }
        if (record.Response is { } response)
        {
            return new IdempotencyClaim(IdempotencyOutcome.Replay, Response: response);
        }
        if (record.LeaseUntil > now)
        {
            return new IdempotencyClaim(IdempotencyOutcome.InFlight, RetryAfterSeconds: (int)Math.Ceiling(Math.Max(1, (record.LeaseUntil - now).TotalSeconds)));
        }
        // The holder's lease ran out (its process most likely died): this retry takes over. The 24 h still count from first use.
        return await Lease(now);
    }

    public async Task<bool> Complete(Guid lease, IdempotentResponse response)
    {
        if (!HoldsLease(lease))
        {
            return false;
        }
        state.State.Response = response;
        state.State.Lease = null;
        await state.WriteStateAsync();
        return true;
    }

    public async Task<bool> Renew(Guid lease)
    {
        if (!HoldsLease(lease))
        {
            return false;
        }
        // Persisted, so an activation that moves to another silo keeps honouring a request that is still running.
        state.State.LeaseUntil = time.GetUtcNow() + IdempotencyPolicy.Lease;
        await state.WriteStateAsync();
        return true;
    }

    public async Task Release(Guid lease)
    {
        if (HoldsLease(lease))
        {
            await state.ClearStateAsync();
        }
    }

    public async Task Unsettled(Guid lease)
    {
        if (!HoldsLease(lease))
        {
            return;
        }
        var until = time.GetUtcNow() + IdempotencyPolicy.UnsettledHold;
        if (until < state.State.LeaseUntil)
        {
            state.State.LeaseUntil = until;
            await state.WriteStateAsync();
        }
    }

    public Task<IdempotencyRecordInfo?> Get()
    {
        var record = Live(time.GetUtcNow());
        return Task.FromResult(record is null ? null : new IdempotencyRecordInfo(record.Fingerprint, record.FirstUsedAt,
            record.FirstUsedAt + IdempotencyPolicy.Retention, record.Response is null, record.Response?.Status));
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        SalesboothMetrics.ReminderTick(reminderName);
        if (reminderName != ExpiryReminder)
        {
            return;
        }
        var now = time.GetUtcNow();
        if (Live(now) is { } record)
        {
            // Woken early (silo clocks differ, or the key was released and used again): wait for the real expiry.
            var due = Max(record.FirstUsedAt + IdempotencyPolicy.Retention, record.LeaseUntil) - now;
            await this.RegisterOrUpdateReminder(ExpiryReminder, Max(due, TimeSpan.FromMinutes(1)), ReminderPeriod);
            return;
        }
        if (state.RecordExists)
        {
            await state.ClearStateAsync();
        }
        if (await this.GetReminder(ExpiryReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
        DeactivateOnIdle();
    }

    /// <summary>The record if it still binds the key: within 24 h of first use, or held by a live lease.</summary>
    private IdempotencyState? Live(DateTimeOffset now)
    {
        var record = state.State;
        if (!state.RecordExists || record.Fingerprint.Length == 0)
        {
            return null;
        }
        var inFlight = record.Response is null && record.LeaseUntil > now;
        return now < record.FirstUsedAt + IdempotencyPolicy.Retention || inFlight ? record : null;
    }

    private bool HoldsLease(Guid lease) => state.RecordExists && state.State.Response is null && state.State.Lease == lease;

    private async Task<IdempotencyClaim> Lease(DateTimeOffset now)
    {
        var lease = Guid.NewGuid();
        state.State.Lease = lease;
        state.State.LeaseUntil = now + IdempotencyPolicy.Lease;
        if (state.State.Seed.Length == 0)
        {
            // A record written before seeds existed.
            state.State.Seed = Guid.NewGuid().ToString("N");
        }
        await state.WriteStateAsync();
        return new IdempotencyClaim(IdempotencyOutcome.Proceed, lease, Seed: state.State.Seed);
    }

    private static T Max<T>(T a, T b) where T : IComparable<T> => a.CompareTo(b) >= 0 ? a : b;
}

[GenerateSerializer]
public sealed class IdempotencyState
{
    /// <summary>SHA-256 (hex) of the first request; empty when there is no record.</summary>
    [Id(0)] public string Fingerprint { get; set; } = "";

    [Id(1)] public DateTimeOffset FirstUsedAt { get; set; }

    /// <summary>The in-flight holder; null once the response is stored.</summary>
    [Id(2)] public Guid? Lease { get; set; }

    [Id(3)] public DateTimeOffset LeaseUntil { get; set; }

    [Id(4)] public IdempotentResponse? Response { get; set; }

    /// <summary>Random, fixed at first use: what a keyed create derives its ids from (see <see cref="IdempotencyClaim.Seed"/>).</summary>
    [Id(5)] public string Seed { get; set; } = "";
}
