using System.Globalization;
using Grains.Interfaces.Campaigns;
using Grains.Interfaces.Contacts;
using Grains.Interfaces.Emails;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Webhooks;
using Harness;
using Npgsql;

namespace CampaignBench;

/// <summary>
/// One tenant set up as a customer running campaigns on the <c>event</c> channel would: a sending account on the event
/// channel, a template, a webhook endpoint subscribed to <c>email.send_requested</c> (the external executor: the
/// bench's <see cref="Receiver"/>) and the contacts, all through the product's grains.
/// </summary>
public sealed class Tenant
{
    private readonly IGrainFactory grains;
    private readonly string templateId;

    private Tenant(IGrainFactory grains, string partition, string templateId, string[] contacts)
    {
        this.grains = grains;
        Partition = partition;
        this.templateId = templateId;
        Contacts = contacts;
    }

    public string Partition { get; }

    public string[] Contacts { get; }

    public static async Task<Tenant> SetUpAsync(IGrainFactory grains, string receiverUrl, int contacts, int concurrency)
    {
        var partition = $"{ResourceIds.New("ten")}:live";
        await grains.GetGrain<ISendingAccountGrain>(partition).Save(new SendingAccountInput { Channel = SendingChannels.Event, FromEmail = "sales@seller.example" });
        var templateId = ResourceIds.New(EmailTemplateKeys.IdPrefix);
        await grains.GetGrain<IEmailTemplateGrain>(EmailTemplateKeys.Grain(partition, templateId))
            .Create(new EmailTemplateFields { Name = "Intro", Subject = "Hi {{first_name}}", Body = "Hello {{first_name}}, a quick note from the bench." });
        await grains.GetGrain<IWebhookEndpointGrain>(WebhookKeys.Grain(partition, ResourceIds.New(WebhookKeys.IdPrefix))).Create(new WebhookSettings(
            receiverUrl, ["email.send_requested"], "campaign bench executor", null, WebhookKeys.SalesboothScheme, Ordered: false, WebhookKeys.MaxMaxInFlight));
        var ids = Enumerable.Range(0, contacts).Select(_ => ResourceIds.New(ContactKeys.IdPrefix)).ToArray();
        await Parallel.ForEachAsync(Enumerable.Range(0, contacts), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, _) =>
            await grains.GetGrain<IContactGrain>(ContactKeys.Grain(partition, ids[i]))
                .Create(new ContactFields { FirstName = $"P{i}", Email = $"p{i}@prospect{i % 97}.example" }));
        return new Tenant(grains, partition, templateId, ids);
    }

    /// <summary>A draft campaign of one email step, due <paramref name="delayMinutes"/> after enrolment, any day and hour (UTC).</summary>
    public async Task<(string Id, ICampaignGrain Grain)> CreateCampaignAsync(string name, int delayMinutes)
    {
        var id = ResourceIds.New(CampaignKeys.IdPrefix);
        var campaign = grains.GetGrain<ICampaignGrain>(CampaignKeys.Grain(Partition, id));
        await campaign.Create(new CampaignFields
        {
            Name = name, Steps = [new CampaignStep { Type = CampaignKeys.Email, TemplateId = templateId, DelayMinutes = delayMinutes }],
        });
        return (id, campaign);
    }

    /// <summary>
    /// Enrols in bulk requests of <see cref="CampaignKeys.MaxBulkContacts"/> at most; a request that timed out is sent again
    /// (enrolment is idempotent: a contact already enrolled is reported as such). Throws unless all were enrolled.
    /// </summary>
    public static async Task EnrolAsync(ICampaignGrain campaign, ArraySegment<string> contacts, int attempts = 5)
    {
        for (var at = 0; at < contacts.Count; at += CampaignKeys.MaxBulkContacts)
        {
            var chunk = contacts.Slice(at, Math.Min(CampaignKeys.MaxBulkContacts, contacts.Count - at));
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    var result = await campaign.Enrol([.. chunk], null);
                    if (result.Enrolled.Count + result.AlreadyEnrolled.Count != chunk.Count)
                    {
                        throw new InvalidOperationException($"enrolled {result.Enrolled.Count} (+{result.AlreadyEnrolled.Count} before) of {chunk.Count}");
                    }
                    break;
                }
                catch (TimeoutException) when (attempt < attempts)
                {
                    Retries++;
                }
            }
        }
    }

    /// <summary>Bulk enrolment requests sent again after a timeout.</summary>
    public static int Retries { get; private set; }

    /// <summary>The id the shard requests the first email under (<c>CampaignShardGrain.Dispatch</c>).</summary>
    public string EmailId(string campaignId, string contactId) =>
        ResourceIds.Derived(EmailKeys.IdPrefix, $"{Partition}/{campaignId}|{contactId}|step-0");

    /// <summary>Each enrolment as its shard holds it (when it was enrolled, its sends and when its shard's run sent them).</summary>
    public async Task<EnrolmentView[]> EnrolmentsAsync(string campaignId, ArraySegment<string> contacts, int concurrency)
    {
        var views = new EnrolmentView[contacts.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, contacts.Count), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, _) =>
        {
            var shard = CampaignKeys.ShardOf(contacts[i], CampaignKeys.DefaultShards);
            views[i] = await grains.GetGrain<ICampaignShardGrain>(CampaignKeys.Shard(Partition, campaignId, shard)).Find(contacts[i])
                ?? throw new InvalidOperationException($"{contacts[i]} is not enrolled");
        });
        return views;
    }

    /// <summary>Every <c>email.send_requested</c> of the tenant in the event log: email id → the event's time (its <c>created_at</c>).</summary>
    public async Task<Dictionary<string, DateTimeOffset>> PublishedAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT (data::jsonb)->>'email_id', created_at FROM event_log WHERE partition = $1 AND event_type = 'email.send_requested'", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Partition });
        var published = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            published.TryAdd(reader.GetString(0), new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero));
        }
        return published;
    }

    public static async Task<long> CountAsync(BenchDatabase pg, string sql) => long.Parse(await pg.ScalarAsync(sql), CultureInfo.InvariantCulture);
}
