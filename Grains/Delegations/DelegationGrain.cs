using System.Text.Json;
using Grains.Delegations.Ledger;
using Grains.Events;
using Grains.Interfaces.Delegations;
using Grains.Interfaces.Events;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Projections;
using Grains.Projections;
using Grains.Resources;
using Microsoft.Extensions.Logging;

namespace Grains.Delegations;

/// <summary>
/// A delegation (key <c>{tenant}:{env}/del_...</c>): grant, children, approvals and end in one state, written through the
/// resource write path; counters and reservations in memory, rebuilt from the delegation ledger on activation
/// (<c>DelegationGrain.Ledger.cs</c>). Spending: <c>DelegationGrain.Spending.cs</c>; expiry and the cascade:
/// <c>DelegationGrain.Lifetime.cs</c>. Calls go up the chain (a reservation, a child's registration) or down it as
/// one-way notices (an end), so two links never wait on each other.
/// </summary>
public sealed partial class DelegationGrain(
    [PersistentState("delegation")] IPersistentState<DelegationState> state,
    IProjectionStore projections,
    IDelegationLedger ledger,
    TimeProvider time,
    ILogger<DelegationGrain> logger) : ResourceGrain<DelegationState, DelegationView>(state, projections, logger), IDelegationGrain
{

    protected override string ResourceType => DelegationKeys.ResourceType;

    protected override ProjectionRow ToRow(DelegationView record) => new(Partition, DelegationKeys.ResourceType, record.Id, record.Version,
        record.Ended?.Status ?? DelegationKeys.Active, record.CreatedAt, record.UpdatedAt,
        new Dictionary<string, string>(StringComparer.Ordinal) { ["grantor_key_id"] = record.GrantorKeyId, ["grantee_key_id"] = record.GranteeKeyId },
        [], ResourceDocuments.Write(record));

    public static DelegationView FromDocument(string document) =>
        ResourceDocuments.Read<DelegationView>(document);

    public async Task<DelegationView> Create(DelegationGrant grant)
    {
        EnsureNew("A delegation");
        var now = time.GetUtcNow();
        await Grantors.RequireMayDelegate(GrainFactory, Partition, grant.GrantorKeyId, grant.AllowedActions, proposal: false, now);
        await CheckGrantee(grant.GranteeKeyId, grant.GranteeEnvironment);
        DelegationView? parentView = null;
        if (grant.ParentId is { } parentId)
        {
            var parent = Link(parentId);
            parentView = await parent.Get();
            DelegationRules.New(ResourceId, TenantId, grant, parentView, now);
            // Registered before this one is written: a child the parent knows of but that never got written is harmless.
            await parent.AdoptChild(ResourceId);
        }
        var record = DelegationRules.New(ResourceId, TenantId, grant, parentView, now);
        await Save(record, [Outbox.Event("delegation.granted", now, Summary(record, now))]);
        await ArmExpiry();
        return View(now);
    }

    public Task<DelegationView> Get() => Task.FromResult(View(time.GetUtcNow()));

    public async Task<DelegationView> Narrow(DelegationNarrowing changes, string callerKeyId, bool callerIsAdmin)
    {
        var now = time.GetUtcNow();
        var current = Grantor(callerKeyId, callerIsAdmin, now);
        var next = DelegationRules.Narrow(current, changes, now) with { Version = Current.Version + 1, UpdatedAt = now };
        await Save(next, []);
        await ArmExpiry();
        return View(now);
    }

    public async Task<DelegationView> Revoke(string callerKeyId, bool callerIsAdmin)
    {
        var now = time.GetUtcNow();
        var current = Existing();
        if (current.Ended is null)
        {
            Grantor(callerKeyId, callerIsAdmin, now);
            await End(new DelegationEnd(DelegationKeys.Revoked, now, current.Id));
        }
        return View(now);
    }

    public async Task AdoptChild(string childId)
    {
        var current = Existing();
        if (Current.Children.Contains(childId))
        {
            return;
        }
        // An end written since the child read this link refuses the child here (it would not be told of it).
        var now = time.GetUtcNow();
        if (current.StatusAt(now) != DelegationKeys.Active)
        {
            throw DelegationRules.Inactive(current, now);
        }
        await Save(current with { Version = Current.Version + 1 }, [], children: [.. Current.Children, childId]);
    }

    /// <summary>The record with its counters rolled to <paramref name="now"/>'s windows.</summary>
    private DelegationView View(DateTimeOffset now)
    {
        var current = Existing();
        return current with { Counters = current.Counters.At(now) };
    }

    private DelegationView Existing() => Current.Record ?? throw DomainException.NotFound("Delegation");

    /// <summary>The delegation when the caller may change it (its grantor, or an admin key) and it has not ended.</summary>
    private DelegationView Grantor(string callerKeyId, bool callerIsAdmin, DateTimeOffset now)
    {
        var current = Existing();
        if (current.GrantorKeyId != callerKeyId && !callerIsAdmin)
        {
            throw new DomainException("authorization_error.delegation_not_grantor",
                $"Only the grantor of delegation {current.Id} (or an admin key) may change it", new DelegationStateDetails(current.Id, current.StatusAt(now)));
        }
        if (current.StatusAt(now) != DelegationKeys.Active)
        {
            throw DelegationRules.Inactive(current, now);
        }
        return current;
    }

    private async Task CheckGrantee(string keyId, string? environment)
    {
        if (!await UsableKeys.IsUsable(GrainFactory, TenantId, keyId, environment, time.GetUtcNow()))
        {
            throw DomainException.Invalid("grantee_agent_key_id", "not_found",
                $"{keyId} is not an active API key of this tenant and environment");
        }
    }

    private IDelegationGrain Link(string delegationId) => GrainFactory.GetGrain<IDelegationGrain>(DelegationKeys.Grain(Partition, delegationId));

    /// <summary>
    /// One write of the record with its events and children (unchanged unless given) and the approval activity it adds
    /// (<paramref name="activity"/>). The record's counters are written as they are, and rebuilt from the ledger anyway.
    /// </summary>
    private Task Save(DelegationView record, IReadOnlyList<OutboxEvent> events, List<string>? children = null,
        IReadOnlyList<DelegationActivity>? activity = null) =>
        Commit(record, events, (previous, next) =>
        {
            next.Children = children ?? previous.Children;
            next.Activity = activity is not { Count: > 0 } ? previous.Activity
                : [.. previous.Activity.Skip(Math.Max(0, previous.Activity.Count + activity.Count - DelegationApprovals.ActivityKept)), .. activity];
        });

    private static object Summary(DelegationView d, DateTimeOffset now) => new
    {
        id = d.Id,
        delegation_id = d.Id,
        grantor_key_id = d.GrantorKeyId,
        grantee_agent_key_id = d.GranteeKeyId,
        allowed_actions = d.AllowedActions,
        max_transaction_amount = d.Limits.PerTransaction,
        max_daily_amount = d.Limits.Daily,
        max_monthly_amount = d.Limits.Monthly,
        delegation_chain = d.Chain,
        expires_at = d.ExpiresAt,
        status = d.StatusAt(now),
    };
}
