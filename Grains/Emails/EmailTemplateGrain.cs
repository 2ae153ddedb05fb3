using Grains.Interfaces.Emails;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Projections;
using Grains.Platform;
using Grains.Projections;
using Grains.Resources;
using Microsoft.Extensions.Logging;

namespace Grains.Emails;

/// <summary>An email template; the subject and bodies are parsed (<see cref="EmailTemplating"/>) when saved, so a broken one is a 400 then.</summary>
public sealed class EmailTemplateGrain(
    [PersistentState("email-template")] IPersistentState<EmailTemplateState> state,
    IProjectionStore projections,
    TimeProvider time,
    ILogger<EmailTemplateGrain> logger) : ResourceGrain<EmailTemplateState, EmailTemplateView>(state, projections, logger), IEmailTemplateGrain
{
    private const string What = "Template";

    public async Task<EmailTemplateView> Create(EmailTemplateFields fields)
    {
        EnsureNew("A template");
        var now = time.GetUtcNow();
        var view = Checked(new EmailTemplateView
        {
            Id = ResourceId, Name = fields.Name ?? "", Subject = fields.Subject ?? "", Body = fields.Body ?? "", HtmlBody = fields.HtmlBody,
            Variables = fields.Variables ?? [], Version = 1, CreatedAt = now, UpdatedAt = now,
        });
        await Commit(view, []);
        return view;
    }

    public Task<EmailTemplateView> Get(CancellationToken cancellationToken = default) => Task.FromResult(Existing(What));

    public async Task<EmailTemplateView> Update(EmailTemplateFields changes, long? expectedVersion)
    {
        var current = ExistingAt(expectedVersion, What);
        var next = Checked(current with
        {
            Name = changes.Name ?? current.Name,
            Subject = changes.Subject ?? current.Subject,
            Body = changes.Body ?? current.Body,
            HtmlBody = changes.Patched(changes.HtmlBody, current.HtmlBody, "html_body"),
            Variables = changes.Variables ?? current.Variables,
            Version = Current.Version + 1,
            UpdatedAt = time.GetUtcNow(),
        });
        await Commit(next, []);
        return next;
    }

    public async Task Delete(long? expectedVersion)
    {
        ExistingAt(expectedVersion, What);
        await Commit(null, []);
    }

    protected override string ResourceType => EmailTemplateKeys.ResourceType;

    protected override ProjectionRow ToRow(EmailTemplateView record) => new(Partition, EmailTemplateKeys.ResourceType, record.Id, record.Version,
        "active", record.CreatedAt, record.UpdatedAt, new Dictionary<string, string>(), [.. SearchWords.Of(record.Name).Distinct(StringComparer.Ordinal)],
        ResourceDocuments.Write(record));

    /// <summary>Required fields present and every part parses; the variables are the declared ones plus those the parts read.</summary>
    private static EmailTemplateView Checked(EmailTemplateView view)
    {
        foreach (var (field, value) in new[] { ("name", view.Name), ("subject", view.Subject), ("body", view.Body) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                throw DomainException.Invalid(field, "required", $"{field} is required");
            }
        }
        EmailTemplating.Parse(view.Subject, "subject");
        EmailTemplating.Parse(view.Body, "body");
        if (view.HtmlBody is { } html)
        {
            EmailTemplating.Parse(html, "html_body");
        }
        return view with
        {
            Variables = [.. view.Variables.Concat(EmailTemplating.VariablesOf(view.Subject, view.Body, view.HtmlBody)).Distinct(StringComparer.Ordinal)],
        };
    }
}
