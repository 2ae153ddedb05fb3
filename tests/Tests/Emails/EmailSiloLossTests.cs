using Grains.Interfaces.Contacts;
using Grains.Interfaces.Emails;
using Grains.Interfaces.Platform;
using Tests.Infrastructure;

namespace Tests.Emails;

/// <summary>The PostgreSQL cluster: a send cut off by the death of its silo is delivered once, by the silo that takes the email over.</summary>
public sealed class EmailSiloLossTests
{
    private static readonly TimeSpan ClusterTimeout = TimeSpan.FromSeconds(90);

    [SmtpPostgresFact]
    public async Task A_send_interrupted_by_a_silo_kill_is_delivered_exactly_once_with_its_Message_ID()
    {
        await using var cluster = new PostgresCluster(await TestPostgres.CreateDatabaseAsync("email_silo_loss"));
        cluster.Settings["Email:ReminderPeriod"] = "00:00:02";
        var first = await cluster.StartSiloAsync();
        var client = await cluster.StartClientAsync();

        // The first SMTP connection (the first silo's) is held open and never reaches the server; later ones are relayed.
        await using var relay = new SmtpRelay(TestSmtp.SmtpPort!.Value, holdFirst: true);
        var partition = $"{ResourceIds.New("ten")}:live";
        var address = $"kill.{Guid.NewGuid():N}@acme.example";
        await client.GetGrain<ISendingAccountGrain>(partition).Save(new SendingAccountInput
        {
            Channel = SendingChannels.Smtp, FromEmail = "sales@seller.example", Host = "127.0.0.1", Port = relay.Port, Tls = "none",
        });
        var contactId = ResourceIds.New(ContactKeys.IdPrefix);
        await client.GetGrain<IContactGrain>(ContactKeys.Grain(partition, contactId)).Create(new ContactFields { FirstName = "Kim", Email = address });
        var templateId = ResourceIds.New(EmailTemplateKeys.IdPrefix);
        await client.GetGrain<IEmailTemplateGrain>(EmailTemplateKeys.Grain(partition, templateId))
            .Create(new EmailTemplateFields { Name = "t", Subject = "Hi {{first_name}}", Body = "Hello {{first_name}}" });
        var email = client.GetGrain<IEmailGrain>(EmailKeys.Grain(partition, ResourceIds.New(EmailKeys.IdPrefix)));

        var requested = await email.Request(new EmailRequest { ContactId = contactId, TemplateId = templateId });
        // The first attempt is stored before its SMTP connection is opened: it is in PostgreSQL when the relay sees it.
        await relay.FirstConnection.WaitAsync(ClusterTimeout);

        await cluster.StartSiloAsync();
        await cluster.KillSiloAsync(first);

        var sent = await Eventually.Get(() => email.Get(), e => e.Status == EmailStatuses.Sent, ClusterTimeout, "the send from the surviving silo");
        Assert.Equal(2, sent.Attempts);
        Assert.Equal(requested.MessageId, sent.MessageId);
        // smtp4dev lists a message a moment after its SMTP answer (which is what made the email Sent).
        var received = await Eventually.Get(() => TestSmtp.MessagesTo(address), m => m.Count > 0, ClusterTimeout, "the message at smtp4dev");
        var message = Assert.Single(received);
        Assert.Equal($"<{requested.MessageId}>", (await TestSmtp.Headers(message))["Message-ID"]);
    }
}

/// <summary>A fact that needs both PostgreSQL and the SMTP server (skipped without either unless required).</summary>
public sealed class SmtpPostgresFactAttribute : FactAttribute
{
    public SmtpPostgresFactAttribute()
    {
        if ((TestPostgres.BaseConnectionString is null && !TestPostgres.Required) || (!TestSmtp.Configured && !TestSmtp.Required))
        {
            Skip = "needs PostgreSQL (ConnectionStrings__Postgres) and smtp4dev (SMTP4DEV_URL, SMTP4DEV_SMTP_PORT)";
        }
    }
}
