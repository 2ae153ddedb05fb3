using System.Globalization;
using Grains.Events;
using Grains.Interfaces.Contacts;
using Grains.Interfaces.Events;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Projections;
using Grains.Platform;
using Grains.Projections;
using Grains.Resources;
using Microsoft.Extensions.Logging;

namespace Grains.Contacts;

/// <summary>An account (key <c>{tenant}:{env}/{acc_id}</c>); the customer's write shape, no PII (stored plain).</summary>
public sealed class AccountGrain(
    [PersistentState("account")] IPersistentState<AccountState> state,
    IProjectionStore projections,
    TimeProvider time,
    ILogger<AccountGrain> logger) : ResourceGrain<AccountState, AccountView>(state, projections, logger), IAccountGrain
{
    private const string What = "Account";

    public async Task<AccountView> Create(AccountFields fields)
    {
        EnsureNew("An account");
        if (string.IsNullOrWhiteSpace(fields.Name))
        {
            throw DomainException.Invalid("name", "required", "name is required");
        }
        var now = time.GetUtcNow();
        var fit = fields.FitScore ?? 0m;
        var view = new AccountView
        {
            Id = ResourceId, Name = fields.Name, Domain = fields.Domain, Industry = fields.Industry, CompanySize = fields.CompanySize,
            Revenue = fields.Revenue, Location = fields.Location, Status = fields.Status ?? "prospect", Notes = fields.Notes,
            FitScore = fit, IntentScore = fields.IntentScore ?? 0m, Tier = AccountKeys.Tier(fit), Version = 1, CreatedAt = now, UpdatedAt = now,
        };
        await Commit(view, Outbox.Event("account.created", now, new
        {
            id = view.Id, account_id = view.Id, name = view.Name, fit_score = view.FitScore, intent_score = view.IntentScore,
            status = view.Status, created_at = now,
        }));
        return view;
    }

    public Task<AccountView> Get(CancellationToken cancellationToken = default) => Task.FromResult(Existing(What));

    public async Task<AccountView> Update(AccountFields changes, long? expectedVersion)
    {
        var current = ExistingAt(expectedVersion, What);
        if (changes.IsCleared("name"))
        {
            throw DomainException.Invalid("name", "required", "name is required");
        }
        var fit = changes.FitScore ?? current.FitScore;
        var next = current with
        {
            Name = changes.Name ?? current.Name,
            Domain = changes.Patched(changes.Domain, current.Domain, "domain"),
            Industry = changes.Patched(changes.Industry, current.Industry, "industry"),
            CompanySize = changes.Patched(changes.CompanySize, current.CompanySize, "company_size"),
            Revenue = changes.PatchedValue(changes.Revenue, current.Revenue, "revenue"),
            Location = changes.Patched(changes.Location, current.Location, "location"),
            Status = changes.Status ?? current.Status,
            Notes = changes.Patched(changes.Notes, current.Notes, "notes"),
            FitScore = fit,
            IntentScore = changes.IntentScore ?? current.IntentScore,
            Tier = AccountKeys.Tier(fit),
        };
        var changed = new ChangedFields()
            .Compare("name", current.Name, next.Name).Compare("domain", current.Domain, next.Domain)
            .Compare("industry", current.Industry, next.Industry).Compare("company_size", current.CompanySize, next.CompanySize)
            .Compare("revenue", current.Revenue, next.Revenue).Compare("location", current.Location, next.Location)
            .Compare("status", current.Status, next.Status).Compare("notes", current.Notes, next.Notes)
            .Compare("fit_score", current.FitScore, next.FitScore).Compare("intent_score", current.IntentScore, next.IntentScore).Names;
        if (changed.Count == 0)
        {
            return current;
        }
        var now = time.GetUtcNow();
        next = next with { Version = Current.Version + 1, UpdatedAt = now };
        List<OutboxEvent> events = [Outbox.Event("account.updated", now, new { id = next.Id, account_id = next.Id, changed_fields = changed, updated_at = now })];
        if (changed.Contains("fit_score"))
        {
            events.Add(Outbox.Event("account.scored", now, new { account_id = next.Id, fit_score = next.FitScore, tier = next.Tier }));
        }
        if (next.IntentScore > current.IntentScore)
        {
            events.Add(Outbox.Event("account.intent_detected", now, new { account_id = next.Id, intent_score = next.IntentScore }));
        }
        await Commit(next, events);
        return next;
    }

    public async Task Delete(long? expectedVersion)
    {
        var current = ExistingAt(expectedVersion, What);
        var contacts = await GrainFactory.GetGrain<IContactDirectoryGrain>(Partition)
            .List(new ListQuery(Limit: 1, Filters: new Dictionary<string, string> { ["account_id"] = current.Id }));
        if (contacts.Total > 0)
        {
            throw DomainException.Conflict("conflict.account_has_contacts",
                $"The account has {contacts.Total} contact(s); delete them or move them to another account first");
        }
        var now = time.GetUtcNow();
        await Commit(null, Outbox.Event("account.deleted", now, new { id = current.Id, account_id = current.Id, deleted_at = now }));
    }

    protected override string ResourceType => AccountKeys.ResourceType;

    /// <summary>Filters: <c>tier</c>; the amount column holds the fit score (0–1) for tier ranges.</summary>
    protected override ProjectionRow ToRow(AccountView record) => new(Partition, AccountKeys.ResourceType, record.Id, record.Version,
        record.Status, record.CreatedAt, record.UpdatedAt,
        new Dictionary<string, string> { ["tier"] = record.Tier.ToString(CultureInfo.InvariantCulture) }, SearchWords.Of(record.Name)
            .Concat(SearchWords.Of(record.Domain)).Distinct(StringComparer.Ordinal).ToList(),
        ResourceDocuments.Write(record), record.FitScore);
}
