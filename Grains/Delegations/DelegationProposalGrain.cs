using System.Text.Json;
using Grains.Events;
using Grains.Interfaces.AgentTrust;
using Grains.Interfaces.Delegations;
using Grains.Interfaces.Events;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Projections;
using Grains.Interfaces.Telemetry;
using Grains.Platform;
using Grains.Projections;
using Grains.Resources;
using Microsoft.Extensions.Logging;

namespace Grains.Delegations;

[GenerateSerializer, Alias("delegations.proposal-state")]
public sealed class DelegationProposalState : ResourceState<DelegationProposalView>;

/// <summary>
/// One round of a delegation proposal (<see cref="IDelegationProposalGrain"/>) on the resource write path: each answer
/// is written with its event (<c>delegation.proposed|countered|accepted|rejected|proposal_expired</c>) and the list row
/// the target's <c>GET /v1/delegations/proposals</c> reads. A counter opens the next round first, then marks this one
/// countered; an acceptance makes the delegation first (its id derived from the round's, so a retry finds it), then
/// marks the round accepted. The answer window is a reminder at <c>expires_at</c>.
/// </summary>
public sealed class DelegationProposalGrain(
    [PersistentState("delegationproposal")] IPersistentState<DelegationProposalState> state,
    IProjectionStore projections,
    TimeProvider time,
    ILogger<DelegationProposalGrain> logger)
    : ResourceGrain<DelegationProposalState, DelegationProposalView>(state, projections, logger), IDelegationProposalGrain
{
    public const string ExpiryReminder = "delegation-proposal-expiry";

    private static readonly TimeSpan MaxReminderWait = TimeSpan.FromDays(30);
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(5);

    protected override string ResourceType => DelegationProposals.ResourceType;

    protected override ProjectionRow ToRow(DelegationProposalView record) => new(Partition, DelegationProposals.ResourceType, record.Id,
        record.Version, record.Status, record.CreatedAt, record.ResolvedAt ?? record.CreatedAt,
        new Dictionary<string, string>(StringComparer.Ordinal) { ["target_key_id"] = record.TargetKeyId, ["proposer_key_id"] = record.ProposerKeyId },
        [], ResourceDocuments.Write(record));

    public static DelegationProposalView FromDocument(string document) =>
        ResourceDocuments.Read<DelegationProposalView>(document);

    public async Task<DelegationProposalView> Propose(DelegationProposalInput input)
    {
        if (Current.Record is not null)
        {
            throw DomainException.Conflict("conflict.already_exists", "A proposal with this id already exists");
        }
        var now = time.GetUtcNow();
        await Grantors.RequireMayDelegate(GrainFactory, Partition, input.ProposerKeyId, input.Terms.Actions, proposal: true, now);
        if (input.TargetKeyId == input.ProposerKeyId)
        {
            throw DomainException.Invalid("target_api_key_id", "invalid", "A key cannot propose a delegation to itself");
        }
        if (!await UsableKeys.IsUsable(GrainFactory, TenantId, input.TargetKeyId, Environment, now))
        {
            throw DomainException.Invalid("target_api_key_id", "not_found", $"{input.TargetKeyId} is not an active API key of this tenant and environment");
        }
        var round = new DelegationProposalView
        {
            Id = ResourceId,
            ProposerKeyId = input.ProposerKeyId,
            TargetKeyId = input.TargetKeyId,
            GrantorKeyId = input.ProposerKeyId,
            GranteeKeyId = input.TargetKeyId,
            Terms = input.Terms,
            Message = input.Message,
            ExpiresAt = now + DelegationProposals.AnswerWindow,
            CreatedAt = now,
            Version = 1,
        };
        await Commit(round, [Event("delegation.proposed", round, now)]);
        await ArmExpiry();
        return round;
    }

    public async Task<DelegationProposalView> Open(DelegationProposalView round)
    {
        if (Current.Record is { } open)
        {
            return open;
        }
        var now = time.GetUtcNow();
        var next = round with { Id = ResourceId, Version = 1 };
        await Commit(next, [Event("delegation.countered", next, now)]);
        await ArmExpiry();
        return next;
    }

    public Task<DelegationProposalView> Read(string callerKeyId, bool callerIsAdmin)
    {
        var round = Existing();
        return round.ProposerKeyId == callerKeyId || round.TargetKeyId == callerKeyId || callerIsAdmin
            ? Task.FromResult(Shown(round, time.GetUtcNow()))
            : throw DomainException.NotFound("Delegation proposal");
    }

    public async Task<DelegationProposalAcceptance> Accept(string callerKeyId)
    {
        var now = time.GetUtcNow();
        var round = Answerable(callerKeyId, now);
        if (TrustLevels.IsAgentKey(round.GrantorKeyId))
        {
            await GrainFactory.GetGrain<IAgentTrustGrain>(TrustLevels.Grain(Partition, round.GrantorKeyId)).RequireLevel(TrustLevels.Delegate, "delegation");
        }
        if (!await UsableKeys.IsUsable(GrainFactory, TenantId, round.GrantorKeyId, Environment, now))
        {
            throw DomainException.Conflict("conflict.proposal_party_unavailable",
                $"The grantor key {round.GrantorKeyId} is no longer active", new DelegationProposalStateDetails(round.Id, round.Status));
        }
        var delegation = await MakeDelegation(round, now);
        var accepted = round with
        {
            Status = DelegationProposals.Accepted,
            ResolvedAt = now,
            DelegationId = delegation.Id,
            Version = Current.Version + 1,
        };
        var result = new DelegationProposalAcceptance(accepted, delegation);
        await Commit(accepted, [Event("delegation.accepted", accepted, now)], result: result);
        await ArmExpiry();
        return result;
    }

    public async Task<DelegationProposalView> Reject(string callerKeyId, string? reason)
    {
        var now = time.GetUtcNow();
        var round = Answerable(callerKeyId, now);
        var rejected = round with { Status = DelegationProposals.Rejected, ResolvedAt = now, Reason = reason, Version = Current.Version + 1 };
        await Commit(rejected, [Event("delegation.rejected", rejected, now)]);
        await ArmExpiry();
        return rejected;
    }

    public async Task<DelegationProposalView> Counter(string callerKeyId, DelegationProposalTerms terms, string? message)
    {
        var now = time.GetUtcNow();
        var round = Answerable(callerKeyId, now);
        // A cap or duration the counter does not give keeps the countered round's; every term must be within it.
        var limits = new DelegationLimits(terms.Limits.PerTransaction ?? round.Terms.Limits.PerTransaction,
            terms.Limits.Daily ?? round.Terms.Limits.Daily, terms.Limits.Monthly ?? round.Terms.Limits.Monthly);
        terms = terms with { Limits = limits, DurationHours = terms.DurationHours == 0 ? round.Terms.DurationHours : terms.DurationHours };
        var beyond = Beyond(round.Terms, terms);
        if (beyond.Count > 0)
        {
            throw new DomainException("authorization_error.counter_exceeds_proposal",
                $"A counter-proposal can only narrow the terms of {round.Id}: {string.Join(", ", beyond)}", new DelegationFieldsDetails(beyond));
        }
        var nextId = ResourceIds.Derived(DelegationProposals.IdPrefix, $"{Partition}\n{round.Id}\ncounter");
        var next = await GrainFactory.GetGrain<IDelegationProposalGrain>(DelegationProposals.Grain(Partition, nextId)).Open(new DelegationProposalView
        {
            Id = nextId,
            ProposerKeyId = round.TargetKeyId,
            TargetKeyId = round.ProposerKeyId,
            GrantorKeyId = round.GrantorKeyId,
            GranteeKeyId = round.GranteeKeyId,
            Terms = terms,
            Message = message,
            Round = round.Round + 1,
            PreviousProposalId = round.Id,
            ExpiresAt = now + DelegationProposals.AnswerWindow,
            CreatedAt = now,
            History = [.. round.History, new DelegationProposalRound(round.Id, round.Round, round.ProposerKeyId, round.Terms, round.Message, round.CreatedAt)],
        });
        var countered = round with { Status = DelegationProposals.Countered, ResolvedAt = now, NextProposalId = next.Id, Version = Current.Version + 1 };
        await Commit(countered, [], result: next);
        await ArmExpiry();
        return next;
    }

    public override async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ExpiryReminder)
        {
            await base.ReceiveReminder(reminderName, status);
            return;
        }
        SalesboothMetrics.ReminderTick(reminderName);
        var now = time.GetUtcNow();
        if (Current.Record is { Status: DelegationProposals.Pending } round && now >= round.ExpiresAt)
        {
            var expired = round with { Status = DelegationProposals.Expired, ResolvedAt = round.ExpiresAt, Version = Current.Version + 1 };
            await Commit(expired, [Event("delegation.proposal_expired", expired, now)]);
        }
        await ArmExpiry();
    }

    /// <summary>The delegation of an accepted round (id derived from the round's, so a retry after a lost answer finds the one it made).</summary>
    private async Task<DelegationView> MakeDelegation(DelegationProposalView round, DateTimeOffset now)
    {
        var id = ResourceIds.Derived(DelegationKeys.IdPrefix, $"{Partition}\n{round.Id}\naccept");
        var grain = GrainFactory.GetGrain<IDelegationGrain>(DelegationKeys.Grain(Partition, id));
        try
        {
            return await grain.Create(new DelegationGrant
            {
                GrantorKeyId = round.GrantorKeyId,
                GranteeKeyId = round.GranteeKeyId,
                GranteeEnvironment = Environment,
                AllowedActions = round.Terms.Actions,
                Limits = round.Terms.Limits,
                ExpiresAt = now.AddHours(round.Terms.DurationHours),
                Description = round.Message,
            });
        }
        catch (DomainException ex) when (ex.Code == "conflict.already_exists")
        {
            return await grain.Get();
        }
    }

    /// <summary>The round when <paramref name="callerKeyId"/> may answer it: its target, while it is pending.</summary>
    private DelegationProposalView Answerable(string callerKeyId, DateTimeOffset now)
    {
        var round = Existing();
        if (round.TargetKeyId != callerKeyId)
        {
            throw round.ProposerKeyId == callerKeyId
                ? new DomainException("authorization_error.not_proposal_target",
                    $"Only the target of {round.Id} ({round.TargetKeyId}) may answer it", new DelegationProposalStateDetails(round.Id, round.StatusAt(now)))
                : DomainException.NotFound("Delegation proposal");
        }
        var status = round.StatusAt(now);
        return status == DelegationProposals.Pending
            ? round
            : throw DomainException.Conflict($"conflict.proposal_{status}", $"Delegation proposal {round.Id} is {status}",
                new DelegationProposalStateDetails(round.Id, status));
    }

    /// <summary>The terms (by their API names) in which <paramref name="counter"/> goes beyond <paramref name="bound"/>.</summary>
    private static List<string> Beyond(DelegationProposalTerms bound, DelegationProposalTerms counter)
    {
        List<string> fields = [];
        if (counter.Actions.Any(a => !bound.Actions.Contains(a)))
        {
            fields.Add("proposed_actions");
        }
        if (Wider(counter.Limits.PerTransaction, bound.Limits.PerTransaction))
        {
            fields.Add("max_transaction_amount");
        }
        if (Wider(counter.Limits.Daily, bound.Limits.Daily))
        {
            fields.Add("max_daily_amount");
        }
        if (Wider(counter.Limits.Monthly, bound.Limits.Monthly))
        {
            fields.Add("max_monthly_amount");
        }
        if (counter.DurationHours > bound.DurationHours)
        {
            fields.Add("proposed_duration_hours");
        }
        return fields;
    }

    private static bool Wider(decimal? value, decimal? bound) => bound is { } b && (value is null || value > b);

    private DelegationProposalView Existing() => Current.Record ?? throw DomainException.NotFound("Delegation proposal");

    private static DelegationProposalView Shown(DelegationProposalView round, DateTimeOffset now) => round with { Status = round.StatusAt(now) };

    private static OutboxEvent Event(string name, DelegationProposalView p, DateTimeOffset now) => Outbox.Event(name, now, new
    {
        id = p.Id,
        proposal_id = p.Id,
        status = p.Status,
        proposer_api_key_id = p.ProposerKeyId,
        target_api_key_id = p.TargetKeyId,
        grantor_key_id = p.GrantorKeyId,
        grantee_agent_key_id = p.GranteeKeyId,
        proposed_actions = p.Terms.Actions,
        max_transaction_amount = p.Terms.Limits.PerTransaction,
        max_daily_amount = p.Terms.Limits.Daily,
        max_monthly_amount = p.Terms.Limits.Monthly,
        proposed_duration_hours = p.Terms.DurationHours,
        round = p.Round,
        previous_proposal_id = p.PreviousProposalId,
        delegation_id = p.DelegationId,
        reason = p.Reason,
        expires_at = p.ExpiresAt,
        occurred_at = now,
    });

    /// <summary>The reminder at a pending round's <c>expires_at</c>, or none once it is answered.</summary>
    private Task ArmExpiry() => this.ArmAsync(ExpiryReminder, Current.Record is { Status: DelegationProposals.Pending } round ? round.ExpiresAt : null,
        time.GetUtcNow(), MaxReminderWait, ReminderPeriod);
}
