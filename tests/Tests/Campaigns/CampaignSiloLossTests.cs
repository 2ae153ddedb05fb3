using Grains.Interfaces.Campaigns;
using Grains.Interfaces.Contacts;
using Grains.Interfaces.Emails;
using Grains.Interfaces.Events;
using Grains.Interfaces.Platform;
using Tests.Infrastructure;

namespace Tests.Campaigns;

/// <summary>
/// The PostgreSQL cluster: a silo killed while its shards dispatch steps loses none and sends none twice. The last step
/// waits a minute, so the kill is mid-campaign however fast the first two go out (they did all go out before the kill
/// once the event channel took one write per email). Business time is the wall clock here: a FakeTimeProvider also
/// stops the silos' failure detection, so a killed silo would never be voted dead.
/// </summary>
public sealed class CampaignSiloLossTests
{
    private const int Contacts = 150;
    private const int Steps = 3;
    private static readonly TimeSpan ClusterTimeout = TimeSpan.FromSeconds(180);

    [PostgresFact]
    public async Task A_silo_killed_mid_campaign_leaves_every_step_sent_exactly_once_counted_at_the_receiver()
    {
        await using var cluster = new PostgresCluster(await TestPostgres.CreateDatabaseAsync("campaign_silo_loss"));
        cluster.Settings["Campaigns:ReminderPeriod"] = "00:00:02";
        cluster.Settings["Email:ReminderPeriod"] = "00:00:02";
        var first = await cluster.StartSiloAsync();
        var client = await cluster.StartClientAsync();

        var partition = $"{ResourceIds.New("ten")}:live";
        await client.GetGrain<ISendingAccountGrain>(partition).Save(new SendingAccountInput { Channel = SendingChannels.Event, FromEmail = "sales@seller.example" });
        var templateId = ResourceIds.New(EmailTemplateKeys.IdPrefix);
        await client.GetGrain<IEmailTemplateGrain>(EmailTemplateKeys.Grain(partition, templateId))
            .Create(new EmailTemplateFields { Name = "t", Subject = "Hi {{first_name}}", Body = "Hello {{first_name}}" });
        var contacts = Enumerable.Range(0, Contacts).Select(_ => ResourceIds.New(ContactKeys.IdPrefix)).ToList();
        // In chunks: 150 creates at once on a loaded CI machine can pass the client's call timeout before any campaign code runs.
        foreach (var chunk in contacts.Select((id, i) => (id, i)).Chunk(25))
        {
            await Task.WhenAll(chunk.Select(c => client.GetGrain<IContactGrain>(ContactKeys.Grain(partition, c.id))
                .Create(new ContactFields { FirstName = $"P{c.i}", Email = $"p{c.i}.{Guid.NewGuid():N}@acme.example" })));
        }
        var campaignId = ResourceIds.New(CampaignKeys.IdPrefix);
        var campaign = client.GetGrain<ICampaignGrain>(CampaignKeys.Grain(partition, campaignId));
        // Three emails: two due as soon as the previous one went out (dispatching across the kill), the last a minute later.
        await campaign.Create(new CampaignFields
        {
            Name = "Burst",
            Steps = [.. Enumerable.Range(0, Steps).Select(i => new CampaignStep { Type = CampaignKeys.Email, TemplateId = templateId, DelayMinutes = i == Steps - 1 ? 1 : 0 })],
        });
        Assert.Equal(Contacts, (await campaign.Enrol(contacts, null)).Enrolled.Count);
        await cluster.StartSiloAsync();

        await campaign.Act("activate", null);
        await Eventually.Get(() => Requested(client, partition), e => e.Count >= Contacts / 3, ClusterTimeout, "the first sends");
        await cluster.KillSiloAsync(first);
        // The event log may have lived on the killed silo: read it once it answers again.
        var beforeKill = (await Eventually.Get(() => Requested(client, partition), _ => true, ClusterTimeout, "the log after the kill")).Count;
        Assert.True(beforeKill < Contacts * Steps, $"the kill came after all {beforeKill} sends: not mid-campaign");

        var metrics = await Eventually.Get(() => campaign.Metrics(), m => m.Completed == Contacts, ClusterTimeout, "every contact through all steps");
        Assert.All(metrics.Steps, s => Assert.Equal(Contacts, s.Sent));
        // The receiver: every email.send_requested the event channel published, once per (contact, step).
        var requested = await Eventually.Get(() => Requested(client, partition), e => e.Count >= Contacts * Steps, ClusterTimeout, "all sends published");
        Assert.Equal(Contacts * Steps, requested.Count);
        Assert.Equal(Contacts * Steps, requested.Distinct().Count());
        foreach (var contact in contacts.Take(10))
        {
            var enrolment = await campaign.Enrolment(contact);
            Assert.Equal([0, 1, 2], enrolment.Sends.Select(s => s.Step));
        }
    }

    /// <summary>The email ids of every <c>email.send_requested</c> in the partition's log.</summary>
    private static async Task<List<string>> Requested(IClusterClient client, string partition)
    {
        var log = client.GetGrain<IEventLogGrain>(partition);
        List<string> ids = [];
        long? since = null;
        while (true)
        {
            var page = await log.Query(new EventLogQuery(SinceSequence: since, EventType: "email.send_requested", Limit: 500));
            ids.AddRange(page.Events.Select(e => System.Text.Json.JsonDocument.Parse(e.DataJson).RootElement.GetProperty("email_id").GetString()!));
            if (!page.HasMore)
            {
                return ids;
            }
            since = page.LastSequence;
        }
    }
}
