using System.Collections.Concurrent;
using Grains.Interfaces.Campaigns;
using Grains.Interfaces.Emails;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Tests.Emails;
using Tests.Infrastructure;

namespace Tests.Campaigns;

/// <summary>
/// A shard's turn dispatches its due steps concurrently, at most <c>Campaigns:MaxStepsInFlight</c> at a time, and still
/// sends each step once when some of those concurrent requests lose their answer (<c>docs/campaigns.md</c>, "A run").
/// </summary>
public sealed class CampaignDispatchConcurrencyTests(CampaignDispatchConcurrencyTests.BoundedApi api)
    : IClassFixture<CampaignDispatchConcurrencyTests.BoundedApi>
{
    private const int Bound = 4;

    [Fact]
    public async Task A_shard_has_at_most_the_configured_number_of_steps_in_flight_and_reaches_it()
    {
        var (tenant, campaign, contacts, _) = await OneShardCampaign("bound", loseEveryThird: false);

        await api.RunAt(tenant, campaign, api.Time.GetUtcNow());

        Assert.Equal(Bound, api.Probe.MostInFlight);
        foreach (var c in contacts)
        {
            Assert.Single(await tenant.SentAt(campaign, c));
        }
    }

    [Fact]
    public async Task Concurrent_requests_whose_answers_are_lost_stay_due_and_go_out_once_on_the_next_turn()
    {
        var (tenant, campaign, contacts, lost) = await OneShardCampaign("lost", loseEveryThird: true);

        // The first turn requests every contact's email; a lost answer leaves that step unrecorded, so still due, and
        // the next turn (the re-armed timer's, or this second run's: the shard runs one at a time) requests it again.
        await api.RunAt(tenant, campaign, api.Time.GetUtcNow());
        await api.RunAt(tenant, campaign, api.Time.GetUtcNow() + TimeSpan.FromSeconds(1));
        foreach (var c in contacts)
        {
            Assert.Single(await tenant.SentAt(campaign, c));
            Assert.Equal("completed", (await tenant.Enrolment(campaign, c)).Str("status"));
        }
        Assert.NotEmpty(lost);
        Assert.Equal(contacts.Count + lost.Count, api.Probe.Requests); // the lost ones were requested twice
        var published = (await tenant.Events("email.send_requested")).Select(e => e.Str("contact_id")).ToList();
        Assert.Equal(contacts.Order(StringComparer.Ordinal), published.Order(StringComparer.Ordinal)); // each contact once
    }

    /// <summary>
    /// A one-email campaign whose contacts all hash to one shard (more of them than the bound), enrolled, watched by the
    /// probe and then activated (a due step's timer may fire at once). With <paramref name="loseEveryThird"/>, every third
    /// of them loses the answer to its first email request (returned as the lost ones).
    /// </summary>
    private async Task<(TestTenant Tenant, string Campaign, List<string> Contacts, HashSet<string> Lost)> OneShardCampaign(string name, bool loseEveryThird)
    {
        var tenant = await api.NewTenantAsync();
        await tenant.UseEventChannel();
        var template = await tenant.Template("Hi", "Hello {{first_name}}");
        var campaign = await tenant.Campaign($$"""{"name":"{{name}}","steps":[{"type":"email","template_id":"{{template}}"}]}""");
        List<string> all = [];
        for (var i = 0; i < 64; i++)
        {
            all.Add(await tenant.NewContact());
        }
        var contacts = all.GroupBy(c => CampaignKeys.ShardOf(c, CampaignKeys.DefaultShards)).MaxBy(g => g.Count())!.ToList();
        Assert.True(contacts.Count > Bound, $"only {contacts.Count} of 64 contacts in the fullest shard");
        var (_, enrol) = await tenant.SendAsync(HttpMethod.Post, $"/v1/campaigns/{campaign}/contacts",
            $$"""{"contact_ids":[{{string.Join(",", contacts.Select(c => $"\"{c}\""))}}]}""");
        Assert.Equal(contacts.Count, enrol.GetProperty("data").GetProperty("added_count").GetInt32());
        var lost = contacts.Where((_, i) => loseEveryThird && i % 3 == 0).ToHashSet(StringComparer.Ordinal);
        api.Probe.Watch(contacts, loseAnswerOfFirstAttempt: lost.Contains);
        await tenant.Action(campaign, "activate");
        return (tenant, campaign, contacts, lost);
    }

    public sealed class BoundedApi() : CampaignApi(new Dictionary<string, string?> { ["Campaigns:MaxStepsInFlight"] = Bound.ToString() })
    {
        public InFlightProbe Probe { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.AddSingleton<IIncomingGrainCallFilter>(Probe));
        }
    }

    /// <summary>
    /// Counts the watched contacts' email requests in flight. Each waits (at most 2 s of real time) until the bound is
    /// reached, so a shard that honoured no bound would show more than it; a lost answer is the request done and a
    /// timeout returned to the shard, as a call outlasting the response timeout under load looks.
    /// </summary>
    public sealed class InFlightProbe : IIncomingGrainCallFilter
    {
        private readonly ConcurrentDictionary<string, int> attempts = new(StringComparer.Ordinal);
        private HashSet<string> watched = [];
        private Func<string, bool> loseAnswer = _ => false;
        private TaskCompletionSource full = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int inFlight;
        private int most;
        private int requests;

        public int MostInFlight => Volatile.Read(ref most);

        public int Requests => Volatile.Read(ref requests);

        public void Watch(IEnumerable<string> contacts, Func<string, bool> loseAnswerOfFirstAttempt)
        {
            (watched, loseAnswer, inFlight, most, requests) = ([.. contacts], loseAnswerOfFirstAttempt, 0, 0, 0);
            attempts.Clear();
            full = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        public async Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.Grain is not IEmailGrain || context.InterfaceMethod.Name != nameof(IEmailGrain.Request)
                || context.Request.GetArgument(0) is not EmailRequest request || !watched.Contains(request.ContactId))
            {
                await context.Invoke();
                return;
            }
            Interlocked.Increment(ref requests);
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref most, now);
            if (now >= Bound)
            {
                full.TrySetResult();
            }
            try
            {
                await full.Task.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => { }, TaskScheduler.Default);
                await context.Invoke();
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
            if (attempts.AddOrUpdate(request.ContactId, 1, (_, n) => n + 1) == 1 && loseAnswer(request.ContactId))
            {
                throw new TimeoutException("answer lost (test)");
            }
        }

        private static void InterlockedMax(ref int target, int value)
        {
            for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
            {
                if (Interlocked.CompareExchange(ref target, value, seen) == seen)
                {
                    return;
                }
            }
        }
    }
}
