using System.Text.Json;
using Grains.Events;
using Grains.Idempotency;
using Grains.Interfaces.AgentTrust;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Events;
using Grains.Interfaces.Idempotency;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Projections;
using Grains.Interfaces.Telemetry;
using Grains.Platform;
using Grains.Projections;
using Grains.Resources;
using Microsoft.Extensions.Logging;

namespace Grains.AgentTrust;

[GenerateSerializer, Alias("agent-trust.state")]
public sealed class AgentTrustState : IResourceState<AgentTrustView>
{
    [Id(0)] public AgentTrustView? Record { get; set; }

    [Id(1)] public bool Deleted { get; set; }

    [Id(2)] public long Version { get; set; }

    [Id(3)] public long ProjectionVersion { get; set; }

    [Id(4)] public List<OutboxEvent> Outbox { get; set; } = [];

    [Id(5)] public Dictionary<string, AppliedKey> AppliedKeys { get; set; } = new(StringComparer.Ordinal);

    [field: NonSerialized]
    public DerivedRows? DerivedRows { get; set; }
}

/// <summary>
/// One agent key's trust (<see cref="IAgentTrustGrain"/>), written through the resource write path: a level change is
/// written with its <c>agent.trust.level_changed</c> event. Time-driven changes (the 30-day track record, decay,
/// lock expiry) are one reminder: <c>AgentTrustGrain.Review.cs</c>.
/// </summary>
public sealed partial class AgentTrustGrain(
    [PersistentState("agenttrust")] IPersistentState<AgentTrustState> state,
    IProjectionStore projections,
    TimeProvider time,
    ILogger<AgentTrustGrain> logger) : ResourceGrain<AgentTrustState, AgentTrustView>(state, projections, logger), IAgentTrustGrain
{
    private const string System = "system";

    protected override string ResourceType => TrustLevels.ResourceType;

    protected override ProjectionRow ToRow(AgentTrustView record) => new(Partition, TrustLevels.ResourceType, record.KeyId, record.Version,
        $"level_{record.Level}", record.CreatedAt, record.UpdatedAt, new Dictionary<string, string>(StringComparer.Ordinal), [],
        ResourceDocuments.Write(record with { History = [], Counted = [], Credentials = [] }));

    public Task<AgentTrustView> Get()
    {
        var now = time.GetUtcNow();
        var current = Existing(now);
        return Task.FromResult(current with { Locks = current.ActiveLocks(now) });
    }

    public async Task CheckCap(decimal amount, string dealId)
    {
        var now = time.GetUtcNow();
        var current = Existing(now);
        if (amount > 0 && (current.LockOn("deal_creation", now) ?? current.LockOn("deal_management", now)) is { } locked)
        {
            throw Locked(locked);
        }
        if (TrustLevels.Caps[current.Level] is not { } cap || amount <= cap)
        {
            return;
        }
        await Write(Stamp(current, now), [Outbox.Event("agent.trust_cap_exceeded", now, new
        {
            key_id = current.KeyId,
            trust_level = current.Level,
            transaction_cap = cap,
            attempted_amount = amount,
            deal_id = dealId,
            occurred_at = now,
        })]);
        throw new DomainException(TrustErrors.CapExceeded,
            $"The amount {amount} is above the {cap} transaction cap of trust level {current.Level} ({TrustLevels.Labels[current.Level]})",
            new TrustCapDetails(current.Level, cap, amount));
    }

    public Task<AgentTrustView> RequireLevel(int level, string capability)
    {
        var now = time.GetUtcNow();
        var current = Existing(now);
        if (current.LockOn(capability, now) is { } locked)
        {
            throw Locked(locked);
        }
        return current.Level >= level
            ? Task.FromResult(current)
            : throw new DomainException(TrustErrors.LevelInsufficient,
                $"{capability} needs trust level {level} ({TrustLevels.Labels[level]}); this key is at level {current.Level}",
                new TrustLevelDetails(current.Level, level, capability));
    }

    public Task DealCompleted(string dealId, decimal value) => Count(dealId, current => current with
    {
        DealsCompleted = current.DealsCompleted + 1,
        TotalDealValue = current.TotalDealValue + value,
        FirstCompletedAt = current.FirstCompletedAt ?? time.GetUtcNow(),
        LastCompletedAt = time.GetUtcNow(),
    });

    /// <summary>A failed deal; the <see cref="TrustLevels.AbuseFailures"/>th within <see cref="TrustLevels.AbuseWindow"/> locks transacting and delegating.</summary>
    public Task DealFailed(string dealId) => Count(dealId, current => current with
    {
        DealsFailed = current.DealsFailed + 1,
        RecentFailures = [.. current.RecentFailures.Where(at => at > time.GetUtcNow() - TrustLevels.AbuseWindow), time.GetUtcNow()],
    });

    public async Task<AgentTrustView> SetManualLevel(int? level, string? reason, string adminKeyId)
    {
        var now = time.GetUtcNow();
        var current = Existing(now) with { ManualLevel = level };
        await Save(Stamp(current, now), now, reason ?? "manual", adminKeyId);
        return await Get();
    }

    public async Task<TrustCredential> IssueCredential(string type)
    {
        var now = time.GetUtcNow();
        var current = Existing(now);
        var signer = GrainFactory.GetGrain<ITenantSigningKeyGrain>(TenantId);
        var key = await signer.PublicKey();
        var id = ResourceIds.New(TrustCredentials.IdPrefix);
        var expires = now.AddMonths(TrustCredentials.ValidityMonths);
        var input = TrustJwt.SigningInput(new { alg = "EdDSA", typ = "JWT", kid = key.KeyId }, new Dictionary<string, object?>
        {
            ["iss"] = $"salesbooth:tenant:{TenantId}",
            ["sub"] = current.KeyId,
            ["jti"] = id,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = expires.ToUnixTimeSeconds(),
            ["vc"] = new Dictionary<string, object?>
            {
                ["@context"] = new[] { "https://www.w3.org/2018/credentials/v1" },
                ["type"] = new[] { "VerifiableCredential", type },
                ["issuanceDate"] = now,
                ["expirationDate"] = expires,
                ["credentialSubject"] = new Dictionary<string, object?>
                {
                    ["id"] = current.KeyId,
                    ["trust_level"] = current.Level,
                    ["trust_label"] = TrustLevels.Labels[current.Level],
                    ["score"] = current.Score,
                    ["deals_completed"] = current.DealsCompleted,
                    ["deals_failed"] = current.DealsFailed,
                    ["total_deal_value"] = current.TotalDealValue,
                },
            },
        });
        var proof = await signer.Sign(TrustJwt.Ascii(input));
        var credential = new TrustCredential(id, type, current.Level, now, expires, TrustJwt.Compact(input, Convert.FromBase64String(proof.SignatureBase64)),
            key.KeyId, key.PublicKeyBase64);
        var next = Stamp(current, now) with { Credentials = [.. current.Credentials.TakeLast(TrustCredentials.Kept - 1), credential] };
        await Write(next, [Outbox.Event("agent.trust.credential_issued", now, new
        {
            key_id = current.KeyId,
            credential_id = id,
            type,
            trust_level = current.Level,
            issued_at = now,
            expires_at = expires,
        })]);
        return credential;
    }

    private async Task Count(string dealId, Func<AgentTrustView, AgentTrustView> change)
    {
        var now = time.GetUtcNow();
        var current = Existing(now);
        if (current.Counted.Contains(dealId))
        {
            return;
        }
        var next = change(current) with { Counted = [.. current.Counted.TakeLast(TrustLevels.CountedKept - 1), dealId] };
        var (locked, events) = DetectAbuse(next, now);
        await Save(Stamp(locked, now), now, "score", System, events);
        await ArmReview();
    }

    /// <summary>
    /// Writes the record with its score and level as of <paramref name="now"/>; a changed level adds a history entry and
    /// <c>agent.trust.level_changed</c>.
    /// </summary>
    /// <paramref name="extra"/>: events written with it (a lock, a warning); with them it is written even when
    /// <paramref name="onlyIfLevelChanged"/> and the level holds.
    private async Task Save(AgentTrustView next, DateTimeOffset now, string reason, string by, IReadOnlyList<OutboxEvent>? extra = null,
        bool onlyIfLevelChanged = false)
    {
        var before = Current.Record?.Level ?? 0;
        var rated = Rated(next, now);
        extra ??= [];
        if (rated.Level == before)
        {
            if (!onlyIfLevelChanged || extra.Count > 0)
            {
                await Write(rated, extra);
            }
            return;
        }
        var change = new AgentTrustChange(before, rated.Level, rated.Score, reason, by, now);
        // A demotion revokes the credentials that attest a level above the new one.
        var revoked = rated.Credentials.Where(c => c.RevokedAt is null && c.TrustLevel > rated.Level).Select(c => c.CredentialId).ToHashSet();
        rated = Stamp(rated, now) with
        {
            History = [.. rated.History.TakeLast(99), change],
            Credentials = [.. rated.Credentials.Select(c => revoked.Contains(c.CredentialId)
                ? c with { RevokedAt = now, RevocationReason = TrustCredentials.DemotionReason } : c)],
        };
        List<OutboxEvent> events = [.. revoked.Select(id => Outbox.Event("agent.trust.credential_revoked", now, new
        {
            key_id = rated.KeyId,
            credential_id = id,
            reason = TrustCredentials.DemotionReason,
            revoked_at = now,
        }))];
        await Write(rated, [.. extra, .. events, Outbox.Event("agent.trust.level_changed", now, new
        {
            key_id = rated.KeyId,
            previous_level = before,
            new_level = rated.Level,
            trust_label = TrustLevels.Labels[rated.Level],
            score = rated.Score,
            reason,
            changed_by = by,
            changed_at = now,
        })]);
        if (revoked.Count > 0)
        {
            await GrainFactory.GetGrain<ITrustRevocationsGrain>(ITrustRevocationsGrain.Key)
                .Add([.. revoked.Select(id => new TrustRevocation(id, now, TrustCredentials.DemotionReason))]);
        }
    }

    /// <summary>The record with its score and level computed for <paramref name="now"/> (a manual level is a floor).</summary>
    private static AgentTrustView Rated(AgentTrustView v, DateTimeOffset now)
    {
        var score = TrustLevels.Score(v.DealsCompleted, v.DealsFailed, v.TotalDealValue, v.FirstCompletedAt, now, v.LastCompletedAt);
        return v with { Score = score, Level = Math.Max(v.ManualLevel ?? 0, TrustLevels.Earned(score, v.DealsCompleted, v.FirstCompletedAt, now)) };
    }

    /// <summary>The stored record rated as of now, or a new key's (level 0, nothing stored yet).</summary>
    private AgentTrustView Existing(DateTimeOffset now) => Rated(Current.Record ?? new AgentTrustView { KeyId = ResourceId, CreatedAt = now, UpdatedAt = now }, now);

    /// <summary>
    /// Commits outside any keyed request: trust changes are side effects of the requests that cause them (a refused
    /// deal, a closed one), never their result, so a retry must run its check again rather than be answered from here.
    /// </summary>
    private async Task Write(AgentTrustView record, IReadOnlyList<OutboxEvent> events)
    {
        using (KeyedChanges.Suspend())
        {
            await Commit(record, events);
        }
    }

    private AgentTrustView Stamp(AgentTrustView v, DateTimeOffset now) => v with { Version = Current.Version + 1, UpdatedAt = now };
}
