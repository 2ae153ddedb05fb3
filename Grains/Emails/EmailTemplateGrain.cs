using System.Text.Json;
using Grains.Idempotency;
using Grains.Interfaces.Emails;
using Grains.Interfaces.Events;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Projections;
using Grains.Platform;
using Grains.Projections;
using Grains.Resources;
using Microsoft.Extensions.Logging;

namespace Grains.Emails;

[GenerateSerializer, Alias("emails.template-state")]
public sealed class EmailTemplateState : ResourceState<EmailTemplateView>;

/// <summary>An email template; the subject and bodies are parsed (<see cref="EmailTemplating"/>) when saved, so a broken one is a 400 then.</summary>
public sealed class EmailTemplateGrain(
    [PersistentState("email-template")] IPersistentState<EmailTemplateState> state,
    IProjectionStore projections,
    TimeProvider time,
    ILogger<EmailTemplateGrain> logger) : ResourceGrain<EmailTemplateState, EmailTemplateView>(state, projections, logger), IEmailTemplateGrain
{
    private static readonly JsonSerializerOptions DocumentJson = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public async Task<EmailTemplateView> Create(EmailTemplateFields fields)
    {
        if (Current.Version > 0)
        {
            throw DomainException.Conflict("conflict.already_exists", "A template with this id already exists");
        }
        var now = time.GetUtcNow();
        var view = Checked(new EmailTemplateView
        {
            Id = ResourceId, Name = fields.Name ?? "", Subject = fields.Subject ?? "", Body = fields.Body ?? "", HtmlBody = fields.HtmlBody,
            Variables = fields.Variables ?? [], Version = 1, CreatedAt = now, UpdatedAt = now,
        });
        await Commit(view, []);
        return view;
    }

    public Task<EmailTemplateView> Get(CancellationToken cancellationToken = default) => Task.FromResult(Existing());

    public async Task<EmailTemplateView> Update(EmailTemplateFields changes, long? expectedVersion)
    {
        var current = Existing();
        CheckVersion(expectedVersion ?? Current.Version);
        var next = Checked(current with
        {
            Name = changes.Name ?? current.Name,
            Subject = changes.Subject ?? current.Subject,
            Body = changes.Body ?? current.Body,
            HtmlBody = changes.HtmlBody ?? (changes.Cleared.Contains("html_body") ? null : current.HtmlBody),
            Variables = changes.Variables ?? current.Variables,
            Version = Current.Version + 1,
            UpdatedAt = time.GetUtcNow(),
        });
        await Commit(next, []);
        return next;
    }

    public async Task Delete(long? expectedVersion)
    {
        Existing();
        CheckVersion(expectedVersion ?? Current.Version);
        await Commit(null, []);
    }

    protected override string ResourceType => EmailTemplateKeys.ResourceType;

    protected override ProjectionRow ToRow(EmailTemplateView record) => new(Partition, EmailTemplateKeys.ResourceType, record.Id, record.Version,
        "active", record.CreatedAt, record.UpdatedAt, new Dictionary<string, string>(), [.. SearchWords.Of(record.Name).Distinct(StringComparer.Ordinal)],
        JsonSerializer.Serialize(record, DocumentJson));

    internal static EmailTemplateView FromDocument(string document) =>
        JsonSerializer.Deserialize<EmailTemplateView>(document, DocumentJson) ?? throw new InvalidOperationException("Empty template document.");

    private EmailTemplateView Existing() => Current.Record ?? throw DomainException.NotFound("Template");

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

[Orleans.Concurrency.StatelessWorker]
public sealed class EmailTemplateDirectoryGrain(IProjectionStore projections) : Grain, IEmailTemplateDirectoryGrain
{
    public Task<ListPage<EmailTemplateView>> List(ListQuery query, CancellationToken cancellationToken = default) =>
        ProjectionLists.PageAsync(projections, this.GetPrimaryKeyString(), EmailTemplateKeys.ResourceType, query, EmailTemplateGrain.FromDocument,
            cancellationToken);
}
