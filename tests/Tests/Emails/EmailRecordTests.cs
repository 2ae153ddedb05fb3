using System.Text.Json;
using Grains.Contacts;
using Grains.Emails;
using Grains.Interfaces.Contacts;
using Grains.Interfaces.Emails;
using MimeKit;

namespace Tests.Emails;

/// <summary>The email's stored shapes and its MIME message, without a cluster.</summary>
public sealed class EmailRecordTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 23, 40, 5, TimeSpan.Zero);

    [Fact]
    public void The_generated_projection_document_is_the_json_the_reflection_serializer_writes()
    {
        var view = EmailRecords.Moved(EmailRecords.Moved(View(), EmailStatuses.Sending, At, "attempt 1"), EmailStatuses.Failed, At.AddSeconds(1), "550 no") with
        {
            SentAt = At, OpenedAt = At, Error = "550 \"no\" <&>", ProviderId = null, Attempts = 2, Opens = 3, Clicks = 1, Version = 4,
        };
        var reflection = new JsonSerializerOptions(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

        Assert.Equal(JsonSerializer.Serialize(view, reflection), JsonSerializer.Serialize(view, EmailDocumentJson.Default.EmailView));
        Assert.Contains("\"template_id\":\"tpl_1\"", JsonSerializer.Serialize(view, EmailDocumentJson.Default.EmailView));
    }

    [Fact]
    public void Stored_lists_are_arrays_which_the_grain_serializer_has_a_codec_for()
    {
        var moved = EmailRecords.Moved(View(), EmailStatuses.Sending, At, "attempt 1");

        Assert.IsType<EmailStatusChange[]>(moved.Timeline);
        Assert.Equal([EmailStatuses.Scheduled, EmailStatuses.Sending], moved.Timeline.Select(t => t.Status));
        Assert.IsType<string[]>(EmailMessages.Links("<a href=\"https://a.example/x\">x</a> <a href=\"http://b.example/?q=1&amp;r=2\">y</a>"));
        Assert.Equal(["https://a.example/x", "http://b.example/?q=1&r=2"],
            EmailMessages.Links("<a href=\"https://a.example/x\">x</a> <a href=\"http://b.example/?q=1&amp;r=2\">y</a>"));
    }

    [Fact]
    public void The_message_carries_the_emails_Message_ID_and_the_given_date_and_no_generated_one()
    {
        var message = EmailMessages.Build(new EmailMessages.Parts("sales@seller.example", "Sales", "lead@acme.example", "Hello", "Hi", "<html><body><p>Hi</p></body></html>",
            "email_1.dGVu@seller.example"), At, "https://track.example", "tok.sig", trackOpens: true, trackClicks: true);

        Assert.Equal("email_1.dGVu@seller.example", message.MessageId);
        Assert.Equal("<email_1.dGVu@seller.example>", message.Headers[HeaderId.MessageId]?.Trim());
        Assert.Single(message.Headers, h => h.Id == HeaderId.MessageId);
        Assert.Equal(At, message.Date);
        Assert.Single(message.Headers, h => h.Id == HeaderId.Date);
        Assert.Equal(("Sales", "sales@seller.example"), (message.From.Mailboxes.Single().Name, message.From.Mailboxes.Single().Address));
        Assert.Equal("lead@acme.example", message.To.Mailboxes.Single().Address);
        Assert.Equal("Hello", message.Subject);
        Assert.Equal("<https://track.example/v1/email-tracking/unsubscribe/tok.sig>", message.Headers["List-Unsubscribe"]?.Trim());
    }

    [Fact]
    public void A_contacts_activities_after_a_signal_are_an_array_newest_first()
    {
        var contact = ContactRecords.New("con_1", new ContactFields { Email = "Lead@Acme.example" }, At);

        var once = ContactRecords.Engaged(contact, new EngagementSignal(EngagementKinds.Sent, "email_1", At));
        var twice = ContactRecords.Engaged(once, new EngagementSignal(EngagementKinds.Opened, "email_1", At.AddMinutes(1)));

        Assert.IsType<ContactActivity[]>(twice.Activities);
        Assert.Equal([EngagementKinds.Opened, EngagementKinds.Sent], twice.Activities.Select(a => a.Type));
    }

    [Fact]
    public void The_generated_contact_document_is_the_json_the_reflection_serializer_writes()
    {
        var view = ContactRecords.Engaged(ContactRecords.New("con_1", new ContactFields { Email = "lead@acme.example", FirstName = "Ada", Title = "CTO" }, At),
            new EngagementSignal(EngagementKinds.Opened, "email_1", At)) with { UnsubscribedAt = At };
        var record = new ContactRecord { Plain = view, Email = "v1:sealed", FirstName = "v1:first", EmailIndex = "idx", SearchTokens = ["t1", "t2"] };
        var reflection = new JsonSerializerOptions(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

        var generated = JsonSerializer.Serialize(record, ContactDocumentJson.Default.ContactRecord);

        Assert.Equal(JsonSerializer.Serialize(record, reflection), generated);
        Assert.DoesNotContain("search_tokens", generated);
        Assert.Equal("v1:sealed", ContactRecords.FromDocument(generated).Email);
    }

    private static EmailView View() => new()
    {
        Id = "email_1", ContactId = "con_1", TemplateId = "tpl_1", Status = EmailStatuses.Scheduled, Channel = SendingChannels.Smtp,
        ScheduledFor = At, MessageId = "email_1.dGVu@seller.example", TrackOpens = true,
        Timeline = [new EmailStatusChange(EmailStatuses.Scheduled, At, null)], Version = 1, CreatedAt = At, UpdatedAt = At,
    };
}
