using System.Text.Json;
using Grains.Events;
using Grains.Interfaces.AgentTrust;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Events;
using Grains.Interfaces.Idempotency;
using Grains.Interfaces.Projections;
using Grains.Interfaces.Telemetry;
using Grains.Interfaces.Tenants;
using Grains.Platform;
using Grains.Projections;
using Grains.Resources;
using Microsoft.Extensions.Logging;

namespace Grains.AgentTrust;

[GenerateSerializer, Alias("tenant-trust.state")]
public sealed class TenantTrustState : ResourceState<TenantTrustView>;

/// <summary>
/// A partition's tenant trust (<see cref="ITenantTrustGrain"/>): the score from the deal list's counts by status and
/// the tenant's age; a level change is written with <c>tenant.trust_level_changed</c> and <c>tenant.trust_promoted</c>
/// or <c>trust.demoted</c>. Nothing is written while the level holds. A daily reminder evaluates it without a read.
/// </summary>
public sealed class TenantTrustGrain(
    [PersistentState("tenanttrust")] IPersistentState<TenantTrustState> state,
    IProjectionStore projections,
    TimeProvider time,
    ILogger<TenantTrustGrain> logger) : ResourceGrain<TenantTrustState, TenantTrustView>(state, projections, logger), ITenantTrustGrain
{
    public const string ReviewReminder = "tenant-trust-review";

    private static readonly TimeSpan ReviewPeriod = TimeSpan.FromDays(1);

    private readonly IProjectionStore deals = projections;
    private bool reviewArmed;

    protected override string ResourceType => TenantTrustLevels.ResourceType;

    protected override ProjectionRow ToRow(TenantTrustView record) => new(Partition, TenantTrustLevels.ResourceType, ResourceId, record.Version,
        record.Level, record.CreatedAt, record.EvaluatedAt, new Dictionary<string, string>(StringComparer.Ordinal), [],
        ResourceDocuments.Write(record with { History = [] }));

    public async Task<TenantTrustView> Evaluate()
    {
        var now = time.GetUtcNow();
        var closed = await Count(DealStatuses.Closed);
        var cancelled = await Count(DealStatuses.Cancelled);
        var expired = await Count(DealStatuses.Expired);
        var tenant = await GrainFactory.GetGrain<ITenantGrain>(TenantId).Get();
        var age = tenant is null ? 0 : Math.Max(0, (int)(now - tenant.CreatedAt).TotalDays);
        var score = TenantTrustLevels.Score(closed, cancelled, expired, age);
        var level = TenantTrustLevels.Names[TenantTrustLevels.IndexOf(score)];
        var before = Current.Record;
        var view = new TenantTrustView
        {
            Level = level,
            Score = score,
            DealsClosed = closed,
            DealsCancelled = cancelled,
            DealsExpired = expired,
            TenantAgeDays = age,
            EvaluatedAt = now,
            History = before?.History ?? [],
            Version = Current.Version,
            CreatedAt = before?.CreatedAt ?? now,
        };
        var from = before?.Level ?? TenantTrustLevels.Names[0];
        if (level != from)
        {
            view = await Change(view, from, now);
        }
        await ArmReview();
        return view;
    }

    public override async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReviewReminder)
        {
            await base.ReceiveReminder(reminderName, status);
            return;
        }
        SalesboothMetrics.ReminderTick(reminderName);
        await Evaluate();
    }

    /// <summary>Writes the new level with its history entry and events (outside any keyed request: it is a read's side effect).</summary>
    private async Task<TenantTrustView> Change(TenantTrustView view, string from, DateTimeOffset now)
    {
        var promoted = TenantTrustLevels.Names.ToList().IndexOf(view.Level) > TenantTrustLevels.Names.ToList().IndexOf(from);
        var change = new TenantTrustChange(from, view.Level, view.Score, promoted ? "promoted" : "demoted", now);
        view = view with { History = [.. view.History.TakeLast(99), change], Version = Current.Version + 1 };
        var payload = new
        {
            tenant_id = TenantId,
            previous_level = from,
            new_level = view.Level,
            score = view.Score,
            auto_topup_ceiling = TenantTrustLevels.AutoTopupCeilings[TenantTrustLevels.IndexOf(view.Score)],
            changed_at = now,
        };
        using (KeyedChanges.Suspend())
        {
            await Commit(view, [Outbox.Event("tenant.trust_level_changed", now, payload),
                Outbox.Event(promoted ? "tenant.trust_promoted" : "trust.demoted", now, payload)]);
        }
        return view;
    }

    private async Task<int> Count(string status) =>
        (int)(await deals.QueryAsync(Partition, DealKeys.ResourceType, new ListQuery(Limit: 1, Status: status), null)).Total;

    private async Task ArmReview()
    {
        if (!reviewArmed)
        {
            await this.ArmAsync(ReviewReminder, time.GetUtcNow() + ReviewPeriod, time.GetUtcNow(), ReviewPeriod, ReviewPeriod);
            reviewArmed = true;
        }
    }
}
