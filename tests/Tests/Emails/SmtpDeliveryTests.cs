using Grains.Emails;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;
using Tests.Infrastructure;

namespace Tests.Emails;

/// <summary>The SMTP connection pool of a sending account, against the real SMTP server through a counting relay.</summary>
public sealed class SmtpDeliveryTests
{
    [SmtpFact]
    public async Task An_account_sends_concurrently_over_at_most_its_configured_connections_and_reuses_them()
    {
        await using var relay = new SmtpRelay(TestSmtp.SmtpPort!.Value);
        await using var smtp = new SmtpDelivery(Options.Create(new EmailOptions { ConnectionsPerAccount = 3 }), NullLogger<SmtpDelivery>.Instance);
        var settings = new SmtpSettings("127.0.0.1", relay.Port, "none", null, null);
        var tag = Guid.NewGuid().ToString("N");
        var addresses = Enumerable.Range(0, 12).Select(i => $"pool{i}.{tag}@acme.example").ToList();

        var results = await Task.WhenAll(addresses.Select(to => smtp.Send("ten_pool:live", settings, Message(to))));

        Assert.All(results, r => Assert.Equal(SmtpOutcome.Sent, r.Outcome));
        // 12 sends at once opened exactly the 3 connections the account may hold...
        Assert.Equal(3, relay.Connections);
        // ...and later sends reuse them.
        Assert.Equal(SmtpOutcome.Sent, (await smtp.Send("ten_pool:live", settings, Message($"pool-later.{tag}@acme.example"))).Outcome);
        Assert.Equal(3, relay.Connections);
        foreach (var to in addresses)
        {
            Assert.Single(await Eventually.Get(() => TestSmtp.MessagesTo(to), m => m.Count > 0, TimeSpan.FromSeconds(30), $"the message to {to}"));
        }
    }

    private static MimeMessage Message(string to)
    {
        var message = new MimeMessage { Subject = "Pool", MessageId = $"{Guid.NewGuid():N}@seller.example" };
        message.From.Add(MailboxAddress.Parse("sales@seller.example"));
        message.To.Add(MailboxAddress.Parse(to));
        message.Body = new TextPart("plain") { Text = "Hello" };
        return message;
    }
}
