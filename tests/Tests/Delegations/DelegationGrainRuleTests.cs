using Grains.Interfaces.AgentTrust;
using Grains.Interfaces.Delegations;
using Grains.Interfaces.Platform;
using Tests.Infrastructure;

namespace Tests.Delegations;

/// <summary>
/// Rules the delegation and proposal grains enforce themselves, called as any grain caller would (no endpoint in
/// between): downward only (the grantor key's own scopes, read from its key record) and trust level 2 for an agent grantor.
/// </summary>
public sealed class DelegationGrainRuleTests(DelegationGrainRuleTests.Api api) : IClassFixture<DelegationGrainRuleTests.Api>
{
    public sealed class Api() : CatalogueApi;

    [Fact]
    public async Task A_grant_beyond_the_grantors_own_scopes_is_refused_by_the_delegation_grain()
    {
        var tenant = await api.NewTenantAsync();
        var grantor = await tenant.AgentAsync("deals:read", "delegations:write");
        var grantee = await tenant.AgentAsync();
        var grain = Delegation(tenant);

        var refused = await Assert.ThrowsAsync<DomainException>(() => grain.Create(Grant(tenant, grantor.KeyId, grantee.KeyId, "deals:read", "customers:write")));

        Assert.Equal("authorization_error.delegation_exceeds_grantor", refused.Code);
        var details = Assert.IsType<DelegationGrantorDetails>(refused.Details);
        Assert.Equal(["allowed_actions"], details.Fields);
        Assert.Equal(["customers:write"], details.Actions);
        Assert.Equal(DomainErrorCodes.NotFound, (await Assert.ThrowsAsync<DomainException>(grain.Get)).Code);

        var made = await Delegation(tenant).Create(Grant(tenant, grantor.KeyId, grantee.KeyId, "deals:read"));
        Assert.Equal(grantor.KeyId, made.GrantorKeyId);
    }

    [Fact]
    public async Task A_grantor_that_is_not_an_active_key_of_the_partition_holds_nothing()
    {
        var tenant = await api.NewTenantAsync();
        var grantee = await tenant.AgentAsync();

        var refused = await Assert.ThrowsAsync<DomainException>(() =>
            Delegation(tenant).Create(Grant(tenant, "key_0123456789abcdef01234567", grantee.KeyId, "deals:read")));

        Assert.Equal("authorization_error.delegation_exceeds_grantor", refused.Code);
        Assert.Equal(["deals:read"], Assert.IsType<DelegationGrantorDetails>(refused.Details).Actions);
    }

    [Fact]
    public async Task An_agent_grantor_below_trust_level_2_is_refused_by_the_delegation_grain()
    {
        var tenant = await api.NewTenantAsync();
        var grantor = await tenant.AgentKeyAsync();
        var grantee = await tenant.AgentAsync();

        var refused = await Assert.ThrowsAsync<DomainException>(() => Delegation(tenant).Create(Grant(tenant, grantor.KeyId, grantee.KeyId, "deals:read")));

        Assert.Equal(TrustErrors.LevelInsufficient, refused.Code);
        Assert.Equal(TrustLevels.Delegate, Assert.IsType<TrustLevelDetails>(refused.Details).RequiredLevel);
        await tenant.SetTrustLevelAsync(grantor.KeyId, 2);
        Assert.Equal(grantor.KeyId, (await Delegation(tenant).Create(Grant(tenant, grantor.KeyId, grantee.KeyId, "deals:read"))).GrantorKeyId);
    }

    [Fact]
    public async Task A_proposal_beyond_the_proposers_own_scopes_is_refused_by_the_proposal_grain()
    {
        var tenant = await api.NewTenantAsync();
        var proposer = await tenant.AgentKeyAsync("agent:discover", "delegations:write");
        await tenant.SetTrustLevelAsync(proposer.KeyId, 2);
        var target = await tenant.AgentKeyAsync();
        var terms = new DelegationProposalTerms(["discover", "negotiate"], new DelegationLimits(null, null, null), 168);

        var refused = await Assert.ThrowsAsync<DomainException>(() => Proposal(tenant).Propose(new DelegationProposalInput(proposer.KeyId, target.KeyId, terms, null)));

        Assert.Equal("authorization_error.delegation_exceeds_grantor", refused.Code);
        var details = Assert.IsType<DelegationGrantorDetails>(refused.Details);
        Assert.Equal(["proposed_actions"], details.Fields);
        Assert.Equal(["negotiate"], details.Actions);
        var proposed = await Proposal(tenant).Propose(new DelegationProposalInput(proposer.KeyId, target.KeyId, terms with { Actions = ["discover"] }, null));
        Assert.Equal(DelegationProposals.Pending, proposed.Status);
    }

    [Fact]
    public async Task A_proposal_by_an_agent_key_below_trust_level_2_is_refused_by_the_proposal_grain()
    {
        var tenant = await api.NewTenantAsync();
        var proposer = await tenant.AgentKeyAsync("agent:discover", "delegations:write");
        var target = await tenant.AgentKeyAsync();

        var refused = await Assert.ThrowsAsync<DomainException>(() => Proposal(tenant).Propose(new DelegationProposalInput(proposer.KeyId, target.KeyId,
            new DelegationProposalTerms(["discover"], new DelegationLimits(null, null, null), 168), null)));

        Assert.Equal(TrustErrors.LevelInsufficient, refused.Code);
    }

    [Fact]
    public async Task A_keys_own_delegation_is_one_granted_to_it_named_or_the_newest_active_one()
    {
        var tenant = await api.NewTenantAsync();
        var grantor = await tenant.AgentAsync("deals:read", "delegations:write");
        var grantee = await tenant.AgentAsync();
        var other = await tenant.AgentAsync();
        var directory = api.Grains.GetGrain<IDelegationDirectoryGrain>(tenant.Partition);
        Assert.Equal(DomainErrorCodes.NotFound, (await Assert.ThrowsAsync<DomainException>(() => directory.Own(grantee.KeyId, null))).Code);

        var made = await Delegation(tenant).Create(Grant(tenant, grantor.KeyId, grantee.KeyId, "deals:read"));

        Assert.Equal(made.Id, (await directory.Own(grantee.KeyId, null)).Id);
        Assert.Equal(made.Id, (await directory.Own(grantee.KeyId, made.Id)).Id);
        // Named but granted to another key: not the caller's.
        var refused = await Assert.ThrowsAsync<DomainException>(() => directory.Own(other.KeyId, made.Id));
        Assert.Equal((DomainErrorCodes.NotFound, "No delegation is granted to this API key"), (refused.Code, refused.Message));
    }

    [Fact]
    public async Task The_directory_shows_a_key_only_what_it_granted_and_an_admin_key_the_partitions()
    {
        var tenant = await api.NewTenantAsync();
        var first = await tenant.AgentAsync("deals:read", "delegations:write");
        var second = await tenant.AgentAsync("deals:read", "delegations:write");
        var grantee = await tenant.AgentAsync();
        var mine = await Delegation(tenant).Create(Grant(tenant, first.KeyId, grantee.KeyId, "deals:read") with
        {
            Limits = new DelegationLimits(null, 100m, null),
        });
        var theirs = await Delegation(tenant).Create(Grant(tenant, second.KeyId, grantee.KeyId, "deals:read") with
        {
            Limits = new DelegationLimits(null, 300m, 1_000m),
        });
        var directory = api.Grains.GetGrain<IDelegationDirectoryGrain>(tenant.Partition);

        // Naming another grantor in the query does not widen a non-admin key's view.
        var asked = new Grains.Interfaces.Projections.ListQuery(Filters: new Dictionary<string, string> { ["grantor_key_id"] = second.KeyId });
        Assert.Equal([mine.Id], (await directory.ListGranted(asked, first.KeyId, admin: false)).Items.Select(d => d.Id));
        Assert.Equal([theirs.Id], (await directory.ListGranted(asked, first.KeyId, admin: true)).Items.Select(d => d.Id));

        Assert.Equal(new DelegationSummary(1, 0, 0, null), await directory.Summary(first.KeyId, admin: false));
        Assert.Equal(new DelegationSummary(2, 0, 0, 0), await directory.Summary(first.KeyId, admin: true));
        await Delegation(tenant, theirs.Id).Revoke(second.KeyId, callerIsAdmin: false);
        Assert.Equal(new DelegationSummary(1, 0, 0, null), await directory.Summary(first.KeyId, admin: true));
        Assert.Empty((await directory.PendingApprovals(first.KeyId, admin: true, limit: 10, offset: 0)).Items);
    }

    private IDelegationGrain Delegation(TestTenant tenant, string id) =>
        api.Grains.GetGrain<IDelegationGrain>(DelegationKeys.Grain(tenant.Partition, id));

    private IDelegationGrain Delegation(TestTenant tenant) =>
        api.Grains.GetGrain<IDelegationGrain>(DelegationKeys.Grain(tenant.Partition, ResourceIds.New(DelegationKeys.IdPrefix)));

    private IDelegationProposalGrain Proposal(TestTenant tenant) =>
        api.Grains.GetGrain<IDelegationProposalGrain>(DelegationProposals.Grain(tenant.Partition, ResourceIds.New(DelegationProposals.IdPrefix)));

    private static DelegationGrant Grant(TestTenant tenant, string grantor, string grantee, params string[] actions) => new()
    {
        GrantorKeyId = grantor,
        GranteeKeyId = grantee,
        GranteeEnvironment = tenant.Environment,
        AllowedActions = actions,
        Limits = new DelegationLimits(null, null, null),
    };
}
