using System.Net;
using Grains.Delegations;
using Grains.Delegations.Ledger;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Tests.Deals;
using Tests.Infrastructure;

namespace Tests.Delegations;

/// <summary>
/// The deal confirms its hold to the link it named only; that link passes the confirmation up the chain in batches
/// (<c>DelegationGrain.Ledger.cs</c>). Seen through the ledger: an ancestor that never heard of a confirmation would
/// decide its lapsed hold by reading the deal's ledger rows.
/// </summary>
public sealed class DelegationConfirmationTests(DelegationConfirmationTests.Api api) : IClassFixture<DelegationConfirmationTests.Api>
{
    public sealed class Api : WebhookApi
    {
        public CountingLedger Ledger { get; } = new(new InMemoryDelegationLedger());

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.AddSingleton<IDelegationLedger>(Ledger));
        }
    }

    /// <summary>The ledger of the embedded topology, counting the per-deal reads a lapsed or unknown hold causes.</summary>
    public sealed class CountingLedger(IDelegationLedger inner) : IDelegationLedger
    {
        private int dealReads;

        public int DealReads => Volatile.Read(ref dealReads);

        public Task AppendAsync(IReadOnlyList<DelegationLedgerRow> rows, CancellationToken ct = default) => inner.AppendAsync(rows, ct);

        public Task<DelegationLedgerRead> ReadAsync(string partition, string delegationId, string rootId, DateTimeOffset since, int recentDirect,
            CancellationToken ct = default) => inner.ReadAsync(partition, delegationId, rootId, since, recentDirect, ct);

        public Task<IReadOnlyList<DelegationLedgerRow>> ReadDealAsync(string partition, string delegationId, string dealId,
            CancellationToken ct = default)
        {
            Interlocked.Increment(ref dealReads);
            return inner.ReadDealAsync(partition, delegationId, dealId, ct);
        }
    }

    [Fact]
    public async Task Ancestors_hear_a_grandchild_deal_confirmed_through_the_chain_so_no_hold_of_theirs_lapses_to_the_ledger()
    {
        var (tenant, product, root, child, grandchild, c, _) = await (await api.NewTenantAsync()).ThreeLinksAsync(100_000m, null, null);
        if (api.Time.GetUtcNow().TimeOfDay > TimeSpan.FromHours(23))
        {
            api.Time.Advance(TimeSpan.FromHours(2)); // the daily window must not turn during the test
        }

        var created = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => c.Http.ConfiguredDealAsync(grandchild, product, 250m)));
        Assert.All(created, r => Assert.Equal(HttpStatusCode.Created, r.Response.StatusCode));
        var readsBefore = api.Ledger.DealReads;

        // Past the hold timeout, the next deal's batch on every link decides the holds still open by the ledger.
        api.Time.Advance(DelegationGrain.HoldTimeout + TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Created, (await c.Http.ConfiguredDealAsync(grandchild, product, 250m)).Response.StatusCode);

        Assert.Equal(readsBefore, api.Ledger.DealReads);
        foreach (var link in new[] { root, child, grandchild })
        {
            Assert.Equal("2250.00", (await tenant.DelegationAsync(link)).Str("reserved_today"));
        }
    }
}
