using System.Text.Json;
using Grains.Contacts;
using Grains.Customers;
using Grains.Encryption;
using Grains.Interfaces.Campaigns;
using Grains.Interfaces.Contacts;
using Grains.Interfaces.Platform;

namespace Grains.Campaigns;

[GenerateSerializer, Alias("campaigns.prospect-session-state")]
public sealed class ProspectSessionState
{
    [Id(0)] public string Name { get; set; } = "";
    [Id(1)] public string? CampaignId { get; set; }
    [Id(2)] public DateTimeOffset CreatedAt { get; set; }
    [Id(3)] public List<StoredProspect> Prospects { get; set; } = [];
}

/// <summary>A prospect as stored: the person (<see cref="ProspectInput"/> as JSON) sealed with the tenant's key, the decision plain.</summary>
[GenerateSerializer, Immutable, Alias("campaigns.stored-prospect")]
public sealed record StoredProspect
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string Sealed { get; init; }
    [Id(2)] public string Status { get; init; } = ProspectKeys.Pending;
    [Id(3)] public string? Notes { get; init; }
    [Id(4)] public DateTimeOffset? DecidedAt { get; init; }
    [Id(5)] public string? ContactId { get; init; }
    [Id(6)] public IReadOnlyList<string> AddedTo { get; init; } = [];
}

/// <summary>
/// One approval session: the uploaded prospects, each person's decision, and adding the approved ones to a campaign as
/// contacts (see <see cref="IProspectSessionGrain"/>). One state write per change.
/// </summary>
public sealed class ProspectSessionGrain(
    [PersistentState("prospect-session")] IPersistentState<ProspectSessionState> state,
    IGrainFactory grains,
    TenantKeyCache keys,
    TimeProvider time) : Grain, IProspectSessionGrain
{
    private string Key => this.GetPrimaryKeyString();
    private string Partition => Key[..Key.LastIndexOf('/')];
    private string SessionId => Key[(Key.LastIndexOf('/') + 1)..];
    private List<StoredProspect> Stored => state.State.Prospects;

    public async Task<ProspectSessionView> Create(string name, string? campaignId, IReadOnlyList<ProspectInput> prospects)
    {
        if (state.State.CreatedAt != default)
        {
            throw DomainException.Conflict("conflict.already_exists", "An approval session with this id already exists");
        }
        var crypto = await Crypto();
        await grains.GetGrain<IProspectSessionDirectoryGrain>(Partition).Register(SessionId);
        state.State = new ProspectSessionState
        {
            Name = name, CampaignId = campaignId, CreatedAt = time.GetUtcNow(),
            Prospects = [.. prospects.Select((p, i) => ResourceIds.Derived(ProspectKeys.ProspectPrefix, $"{Key}|{i}"))
                .Zip(prospects, (id, p) => new StoredProspect { Id = id, Sealed = crypto.Encrypt(JsonSerializer.Serialize(p), Context(id)) })],
        };
        await state.WriteStateAsync();
        return Summary();
    }

    public Task<ProspectSessionView> Get()
    {
        Existing();
        return Task.FromResult(Summary());
    }

    public async Task<ProspectPage> Prospects(string? status, int limit, int offset)
    {
        Existing();
        var matching = Stored.Where(p => status is null || p.Status == status).ToList();
        var crypto = await Crypto();
        return new ProspectPage([.. matching.Skip(offset).Take(limit).Select(p => View(p, crypto))], matching.Count);
    }

    public async Task<IReadOnlyList<ProspectView>> Decide(IReadOnlyList<string> prospectIds, string decision, string? notes)
    {
        Existing();
        if (!ProspectKeys.Decisions.Contains(decision))
        {
            throw DomainException.Invalid("decision", "invalid", $"decision must be one of: {string.Join(", ", ProspectKeys.Decisions)}");
        }
        var indexes = prospectIds.Distinct().Select(id => Stored.FindIndex(p => p.Id == id)).ToList();
        if (indexes.Contains(-1))
        {
            throw DomainException.NotFound("Prospect");
        }
        var now = time.GetUtcNow();
        indexes.ForEach(i => Stored[i] = Stored[i] with { Status = decision, Notes = notes, DecidedAt = now });
        await state.WriteStateAsync();
        var crypto = await Crypto();
        return [.. indexes.Select(i => View(Stored[i], crypto))];
    }

    public async Task<ProspectAddResult> AddToCampaign(string campaignId, IReadOnlyList<string>? prospectIds)
    {
        Existing();
        var campaign = grains.GetGrain<ICampaignGrain>(CampaignKeys.Grain(Partition, campaignId));
        await campaign.Get(); // 404 when it is not this tenant's campaign
        var crypto = await Crypto();
        var wanted = prospectIds is null
            ? Stored.Where(p => p.Status == ProspectKeys.Approved).ToList()
            : [.. prospectIds.Distinct().Select(id => Stored.Find(p => p.Id == id)).Where(p => p?.Status == ProspectKeys.Approved).Select(p => p!)];
        var errors = prospectIds is null ? 0 : prospectIds.Distinct().Count() - wanted.Count;

        // Seen: the people this session already added to the campaign, then each one taken in this call.
        var emails = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var linkedin = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var added in Stored.Where(p => p.AddedTo.Contains(campaignId)))
        {
            Seen(Open(added, crypto));
        }
        var duplicates = 0;
        var contacts = new Dictionary<string, string>(StringComparer.Ordinal); // prospect → contact
        foreach (var prospect in wanted.Where(p => !p.AddedTo.Contains(campaignId)))
        {
            var person = Open(prospect, crypto);
            if (!Seen(person))
            {
                duplicates++;
                continue;
            }
            try
            {
                contacts[prospect.Id] = prospect.ContactId ?? await ContactFor(prospect, person, crypto);
            }
            catch (DomainException)
            {
                errors++; // the contact rules refused this person
            }
        }
        duplicates += wanted.Count(p => p.AddedTo.Contains(campaignId));
        Record(contacts, added: null, campaignId);
        await state.WriteStateAsync(); // the contacts made are kept even if the enrolment fails

        List<string> enrolled = [];
        foreach (var chunk in contacts.Values.Distinct().Chunk(CampaignKeys.MaxBulkContacts))
        {
            var result = await campaign.Enrol(chunk, null);
            enrolled.AddRange(result.Enrolled);
            duplicates += result.AlreadyEnrolled.Count;
            errors += result.NotFound.Count;
        }
        Record(contacts, added: enrolled.ToHashSet(), campaignId);
        await state.WriteStateAsync();
        return new ProspectAddResult(enrolled.Count, duplicates, errors, enrolled);

        bool Seen(ProspectInput p) => emails.Add(p.Email) & (p.LinkedinUrl is not { } url || linkedin.Add(ContactKeys.LinkedinKey(url)));
    }

    /// <summary>Keeps each prospect's contact, and marks the ones enrolled (or found already enrolled) as added to the campaign.</summary>
    private void Record(Dictionary<string, string> contacts, HashSet<string>? added, string campaignId)
    {
        for (var i = 0; i < Stored.Count; i++)
        {
            if (contacts.TryGetValue(Stored[i].Id, out var contact))
            {
                Stored[i] = Stored[i] with
                {
                    ContactId = contact,
                    AddedTo = added is null || Stored[i].AddedTo.Contains(campaignId) ? Stored[i].AddedTo : [.. Stored[i].AddedTo, campaignId],
                };
            }
        }
    }

    /// <summary>
    /// The contact holding the prospect's email, else the contact with its LinkedIn URL (the same person under another
    /// address), else a new contact (its id derived from the prospect, so a retry finds it).
    /// </summary>
    private async Task<string> ContactFor(StoredProspect prospect, ProspectInput person, TenantCrypto crypto)
    {
        var holder = await grains.GetGrain<IEmailReservationGrain>(
            EmailReservationGrain.Key(Partition, ContactRecords.EmailIndex(person.Email, crypto))).Holder();
        if (holder is not null && holder.StartsWith(ContactKeys.IdPrefix + "_", StringComparison.Ordinal))
        {
            return holder;
        }
        if (person.LinkedinUrl is { } url && await grains.GetGrain<IContactDirectoryGrain>(Partition).FindByLinkedinUrl(url) is { } sameProfile)
        {
            return sameProfile;
        }
        var id = ResourceIds.Derived(ContactKeys.IdPrefix, $"{Key}|{prospect.Id}");
        try
        {
            await grains.GetGrain<IContactGrain>(ContactKeys.Grain(Partition, id)).Create(new ContactFields
            {
                FirstName = person.FirstName, LastName = person.LastName, Email = person.Email, Title = person.Title, LinkedinUrl = person.LinkedinUrl,
            });
        }
        catch (DomainException ex) when (ex.Code == "conflict.already_exists")
        {
            // Made by an earlier attempt of this call.
        }
        return id;
    }

    private ProspectSessionView Summary()
    {
        var s = state.State;
        int Count(string status) => s.Prospects.Count(p => p.Status == status);
        var pending = Count(ProspectKeys.Pending);
        return new ProspectSessionView(SessionId, s.Name, s.CampaignId, s.Prospects.Count, pending, Count(ProspectKeys.Approved),
            Count(ProspectKeys.Rejected), pending > 0 ? "active" : "completed", s.CreatedAt);
    }

    private ProspectView View(StoredProspect p, TenantCrypto crypto) => new()
    {
        Id = p.Id, SessionId = SessionId, Person = Open(p, crypto), ApprovalStatus = p.Status, Notes = p.Notes, DecidedAt = p.DecidedAt,
        ContactId = p.ContactId,
    };

    private ProspectInput Open(StoredProspect p, TenantCrypto crypto) =>
        JsonSerializer.Deserialize<ProspectInput>(crypto.Decrypt(p.Sealed, Context(p.Id)))
        ?? throw new InvalidOperationException($"Empty prospect {p.Id}");

    private string Context(string prospectId) => $"{Key}/{prospectId}";

    private Task<TenantCrypto> Crypto() => keys.ForTenant(Partition[..Partition.IndexOf(':')]);

    private void Existing()
    {
        if (state.State.CreatedAt == default)
        {
            throw DomainException.NotFound("Approval session");
        }
    }
}

[GenerateSerializer, Alias("campaigns.prospect-directory-state")]
public sealed class ProspectSessionDirectoryState
{
    [Id(0)] public List<string> SessionIds { get; set; } = [];
}

/// <summary>A partition's approval sessions, newest first; a session registered but never written (a crash between) is skipped.</summary>
public sealed class ProspectSessionDirectoryGrain(
    [PersistentState("prospect-sessions")] IPersistentState<ProspectSessionDirectoryState> state,
    IGrainFactory grains) : Grain, IProspectSessionDirectoryGrain
{
    public async Task Register(string sessionId)
    {
        if (!state.State.SessionIds.Contains(sessionId))
        {
            state.State.SessionIds.Add(sessionId);
            await state.WriteStateAsync();
        }
    }

    public async Task<IReadOnlyList<ProspectSessionView>> List()
    {
        var partition = this.GetPrimaryKeyString();
        var sessions = await Task.WhenAll(Enumerable.Reverse(state.State.SessionIds).Select(async id =>
        {
            try
            {
                return await grains.GetGrain<IProspectSessionGrain>(ProspectKeys.Grain(partition, id)).Get();
            }
            catch (DomainException ex) when (ex.IsNotFound)
            {
                return null;
            }
        }));
        return [.. sessions.OfType<ProspectSessionView>()];
    }
}
