using Grains.Interfaces.AgentTrust;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Delegations;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Products;
using Grains.Interfaces.Tenants;
using Tests.Infrastructure;

namespace Tests.Delegations;

/// <summary>
/// Approvals and agent trust on the cluster topology (state in PostgreSQL): a pending approval, a trust level, a
/// credential and the public revocation list survive the silo that held them, and the approval is decided afterwards.
/// </summary>
public sealed class TrustPostgresTests
{
    [PostgresFact]
    public async Task Approvals_trust_and_credentials_survive_a_silo_stop_on_PostgreSQL()
    {
        await using var cluster = new PostgresCluster(await TestPostgres.CreateDatabaseAsync("trust_approvals"));
        var first = await cluster.StartSiloAsync();
        await cluster.StartSiloAsync();
        var client = await cluster.StartClientAsync();
        var tenantId = ResourceIds.New("ten");
        var partition = $"{tenantId}:live";
        await client.GetGrain<ITenantGrain>(tenantId).EnsureCreated("Trust tenant");
        var issued = await client.GetGrain<ITenantGrain>(tenantId).IssueApiKey(
            new ApiKeyRequest("agent", ApiKeyKinds.Secret, "live", "live", ["deals:write"], "us", AgentKey: true));
        var agentKey = issued.Record.KeyId;
        // The grantor is a real key: the delegation grain checks the grant against its scopes.
        var admin = (await client.GetGrain<ITenantGrain>(tenantId).IssueApiKey(
            new ApiKeyRequest("admin", ApiKeyKinds.Secret, "live", "live", ["*"], "us"))).Record.KeyId;
        Assert.StartsWith("key_agent_", agentKey);
        var productId = ResourceIds.New(ProductKeys.IdPrefix);
        await client.GetGrain<IProductGrain>(ProductKeys.Grain(partition, productId)).Create(new ProductFields { Name = "Seat", Price = 100m });
        var delegationId = ResourceIds.New(DelegationKeys.IdPrefix);
        var delegation = client.GetGrain<IDelegationGrain>(DelegationKeys.Grain(partition, delegationId));
        await delegation.Create(new DelegationGrant
        {
            GrantorKeyId = admin,
            GranteeKeyId = agentKey,
            GranteeEnvironment = "live",
            AllowedActions = ["deals:write"],
            Limits = new DelegationLimits(null, 1000m, null),
            ApprovalThreshold = 100m,
            ApprovalTimeoutHours = 24,
        });
        var trust = client.GetGrain<IAgentTrustGrain>(TrustLevels.Grain(partition, agentKey));
        await trust.SetManualLevel(1, "bootstrap", "key_admin");
        var credential = await trust.IssueCredential(TrustCredentials.TrustLevelCredential);

        var dealId = DealIds.New(partition);
        var deal = client.GetGrain<IDealGrain>(DealKeys.Grain(partition, dealId));
        await deal.CreateConfigured(new DealConfiguration(new DealFields("Seat", null, null, "USD", 0m, DealKeys.OneTime, null, null, null, null),
            [new DealItemInput(productId, "Seat", 150m, 1)], [], null), dryRun: false, new DealActor(agentKey, "api_key", true, delegationId));

        await cluster.StopSiloAsync(first);

        var held = await delegation.Get();
        Assert.Equal(dealId, Assert.Single(held.Approvals, a => a.IsPending).DealId);
        Assert.Equal(150m, held.Counters.ReservedToday);
        var rejected = await delegation.Decide(new DelegationDecision(dealId, Approve: false, "too much", "key_admin", CallerIsAdmin: true));
        Assert.Equal(DelegationApprovals.Rejected, rejected.Approvals.Single(a => a.DealId == dealId).Status);
        Assert.Equal(0m, (await delegation.Get()).Counters.ReservedToday);
        await Eventually.Get(() => deal.Get(), d => d.Status == DealStatuses.Cancelled, TimeSpan.FromSeconds(20), "the rejected deal to be cancelled");
        // The cancelled deal counts against the agent that created it; clearing the bootstrap level demotes it to 0.
        await Eventually.Get(() => trust.Get(), t => t.DealsFailed == 1, TimeSpan.FromSeconds(20), "the failed deal to count");
        var kept = await trust.Get();
        Assert.Equal(1, kept.Level);
        Assert.Equal(credential.CredentialId, Assert.Single(kept.Credentials).CredentialId);
        await trust.SetManualLevel(null, null, "key_admin");
        var revocations = await client.GetGrain<ITrustRevocationsGrain>(ITrustRevocationsGrain.Key).List();
        Assert.Contains(revocations.Revocations, r => r.CredentialId == credential.CredentialId && r.Reason == TrustCredentials.DemotionReason);
    }

    [PostgresFact]
    public async Task A_proposal_countered_and_accepted_across_a_silo_stop_makes_its_delegation_on_PostgreSQL()
    {
        await using var cluster = new PostgresCluster(await TestPostgres.CreateDatabaseAsync("trust_proposals"));
        var first = await cluster.StartSiloAsync();
        await cluster.StartSiloAsync();
        var client = await cluster.StartClientAsync();
        var tenantId = ResourceIds.New("ten");
        var partition = $"{tenantId}:live";
        var tenant = client.GetGrain<ITenantGrain>(tenantId);
        await tenant.EnsureCreated("Proposal tenant");
        async Task<string> AgentAsync() => (await tenant.IssueApiKey(
            new ApiKeyRequest("agent", ApiKeyKinds.Secret, "live", "live", ["agent:discover", "agent:negotiate"], "us", AgentKey: true))).Record.KeyId;
        var proposer = await AgentAsync();
        var target = await AgentAsync();
        await client.GetGrain<IAgentTrustGrain>(TrustLevels.Grain(partition, proposer)).SetManualLevel(2, "bootstrap", "key_admin");

        var firstId = ResourceIds.New(DelegationProposals.IdPrefix);
        var round1 = client.GetGrain<IDelegationProposalGrain>(DelegationProposals.Grain(partition, firstId));
        await round1.Propose(new DelegationProposalInput(proposer, target,
            new DelegationProposalTerms(["discover", "negotiate"], new DelegationLimits(1000m, null, null), 168), "please"));
        await cluster.StopSiloAsync(first);

        var round2 = await round1.Counter(target, new DelegationProposalTerms(["discover"], new DelegationLimits(500m, null, null), 0), null);
        Assert.Equal(168, round2.Terms.DurationHours);
        var accepted = await client.GetGrain<IDelegationProposalGrain>(DelegationProposals.Grain(partition, round2.Id)).Accept(proposer);
        Assert.Equal(DelegationProposals.Accepted, accepted.Proposal.Status);
        var delegation = await client.GetGrain<IDelegationGrain>(DelegationKeys.Grain(partition, accepted.Delegation.Id)).Get();
        Assert.Equal((proposer, target), (delegation.GrantorKeyId, delegation.GranteeKeyId));
        Assert.Equal(["discover"], delegation.AllowedActions);
        Assert.Equal(500m, delegation.Limits.PerTransaction);
        Assert.Equal(DelegationProposals.Countered, (await round1.Read(proposer, false)).Status);

        // The list rows were written with the rounds: nothing pending is left for either party.
        var directory = client.GetGrain<IDelegationDirectoryGrain>(partition);
        var pending = await directory.ListProposals(new Grains.Interfaces.Projections.ListQuery(Status: DelegationProposals.Pending));
        Assert.Empty(pending.Items);
        var all = await directory.ListProposals(new Grains.Interfaces.Projections.ListQuery());
        Assert.Equal([DelegationProposals.Accepted, DelegationProposals.Countered], all.Items.Select(p => p.Status).Order());
    }
}
