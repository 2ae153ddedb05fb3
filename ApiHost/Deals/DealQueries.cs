using System.Text.Json.Nodes;
using ApiHost.Api;
using ApiHost.Api.Lists;
using ApiHost.Auth;
using ApiHost.OpenApi;
using Grains.Interfaces.Customers;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Money;

namespace ApiHost.Deals;

/// <summary>GET on deals: the list, one deal, and the read actions (<c>?action=</c>).</summary>
public static class DealQueries
{
    public static readonly string[] ListFilters = ["customer_id"];

    /// <summary>One GET action on deals (<c>?id=&amp;action=</c>, or its path form).</summary>
    public delegate Task<IResult> DealGetHandler(HttpContext http, IGrainFactory grains, string? id, CancellationToken ct);

    /// <summary>The read actions; <c>export</c> streams a file and is mapped on its own (<see cref="DealExport"/>).</summary>
    public static readonly ActionMap<DealGetHandler> Actions = new ActionMap<DealGetHandler>("GET")
        .Add("terms", Terms, ActionDoc.Of<DealTermsData>("getDealTerms", "A deal's current terms"))
        .Add("compare-terms", (http, grains, _, _) => CompareTerms(http, grains),
            ActionDoc.Of<DealTermsComparison>("compareDealTerms", "Compare two deals' terms",
                description: "`deal_id_1` and `deal_id_2` name the deals.", onResource: false))
        .Add("audit", Audit, ActionDoc.Of<DealAuditData>("listDealAudit", "A deal's audit trail (hash-chained)"))
        .Add("verify_audit", async (http, grains, id, _) => ApiResults.Ok(Verification(await DealRequests.Deal(http, grains, id).VerifyAudit())),
            ActionDoc.Of<AuditChainVerification>("verifyDealAudit", "Verify a deal's audit hash chain"))
        .Add("escrow", (http, grains, id, _) => DealEscrowActions.Get(http, grains, id), ActionDoc.Of<EscrowData>("getDealEscrow", "A deal's escrow"))
        .Add("valid_transitions", (http, grains, id, _) => ValidTransitions(http, grains, id),
            ActionDoc.Of<DealTransitionsData>("listDealValidTransitions", "The statuses a deal can move to now",
                description: "Same as GET /v1/deals/{id}/valid-transitions."))
        .Add("signing_certificate", (http, grains, id, _) => SigningCertificate(http, grains, id),
            ActionDoc.Of<SigningCertificate>("getDealSigningCertificate", "The signing certificate of a signed deal"));

    public static async Task<IResult> Get(HttpContext http, IGrainFactory grains, string? id, string? action, CancellationToken ct) =>
        action switch
        {
            null or "" => string.IsNullOrEmpty(id) ? await List(http, grains, ct) : await One(http, grains, id, ct),
            "export" => await DealExport.Export(http, grains, ct),
            _ => await Actions.Find(action)(http, grains, id, ct),
        };

    private static async Task<IResult> Terms(HttpContext http, IGrainFactory grains, string? id, CancellationToken ct)
    {
        var deal = await DealRequests.Deal(http, grains, id).Get();
        var terms = deal.TermsJson is null ? null : JsonNode.Parse(deal.TermsJson)!.AsObject();
        return ApiResults.Ok(new DealTermsData(deal.Id, terms?["terms_schema_version"]?.DeepClone(), deal.TermsVersion,
            terms is null ? null : Without(terms, "terms_schema_version")));
    }

    private static async Task<IResult> Audit(HttpContext http, IGrainFactory grains, string? id, CancellationToken ct)
    {
        var query = new ListRequest.QueryReader(http.Request.Query);
        var paging = ListPaging.Read(query);
        query.ThrowIfInvalid();
        var page = await DealRequests.Deal(http, grains, id).Audit(paging.Offset, paging.Limit);
        return ApiResults.Ok(new DealAuditData(id!, [.. page.Entries.Select(AuditEntry)], ListResponse.Page(page.Total, paging, page.Entries.Count)));
    }

    public static async Task<IResult> One(HttpContext http, IGrainFactory grains, string id, CancellationToken ct)
    {
        var shape = ListShape.Parse(http.Request);
        var grain = DealRequests.Deal(http, grains, id);
        var deal = await grain.Get();
        var json = DealContract.ToJson(deal, shape);
        if (shape.Wants("customer") && deal.CustomerId is { } customerId)
        {
            var customer = await grains.GetGrain<ICustomerGrain>(CustomerKeys.Grain(http.Caller().Partition, customerId)).Get(ct);
            json["customer"] = new JsonObject
            {
                ["id"] = customer.Id,
                ["name"] = customer.Name,
                ["email"] = customer.Email,
                ["company"] = customer.Company,
            };
        }
        return ApiResults.Ok(new JsonObject { ["deal"] = json }, deal.Version);
    }

    private static async Task<IResult> List(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var shape = ListShape.Parse(http.Request);
        var query = ListRequest.Parse(http.Request, ListFilters, DealStatuses.All);
        var page = await grains.GetGrain<IDealDirectoryGrain>(http.Caller().Partition).List(query, ct);
        var items = new Grains.Interfaces.Projections.ListPage<JsonObject>([.. page.Items.Select(d => DealContract.ToJson(d, shape))],
            page.Total, page.NextCursor, page.PrevCursor, page.HasMore);
        return ApiResults.Ok(ListResponse.Build("deals", items, query, ListShape.Full));
    }

    public static async Task<IResult> ValidTransitions(HttpContext http, IGrainFactory grains, string? id)
    {
        var grain = DealRequests.Deal(http, grains, id);
        var deal = await grain.Get();
        var transitions = await grain.ValidTransitions();
        return ApiResults.Ok(new DealTransitionsData(deal.Id, deal.Status, [.. transitions.Select(t => new DealTransitionOption(
            t.Transition.To, t.Available,
            [.. t.Transition.Conditions.Select(c => new DealTransitionCondition(c, DealConditions.Descriptions[c], !t.UnmetConditions.Contains(c)))],
            ActionFor(deal.Id, t.Transition)))]));
    }

    /// <summary>Public: no key. The deal's partition comes from its locator (ids are random, so they are not guessable).</summary>
    public static async Task<IResult> PublicVerify(IGrainFactory grains, string? id)
    {
        var dealId = string.IsNullOrEmpty(id)
            ? throw new ApiException(ApiError.BadRequest("The id query parameter is required", new { parameter = "id" }))
            : id;
        if (!ResourceRequests.IsWellFormedId(dealId, DealKeys.IdPrefix))
        {
            throw new ApiException(ApiError.NotFound("Deal not found"));
        }
        // The id's tag names the partition (one grain, in memory after first use); ids made before tags use the locator.
        foreach (var tagged in await grains.GetGrain<IDealTagGrain>(DealIds.TagOf(dealId)).Partitions())
        {
            try
            {
                return Verified(await grains.GetGrain<IDealGrain>(DealKeys.Grain(tagged, dealId)).Verify());
            }
            catch (DomainException ex) when (ex.IsNotFound)
            {
                // Not this partition's (a tag collision, or an untagged id whose last characters happen to match).
            }
        }
        var partition = await grains.GetGrain<IDealLocatorGrain>(dealId).Partition()
            ?? throw new ApiException(ApiError.NotFound("Deal not found"));
        return Verified(await grains.GetGrain<IDealGrain>(DealKeys.Grain(partition, dealId)).Verify());
    }

    private static IResult Verified(DealVerification v) => ApiResults.Ok(new DealVerificationData(Verification(v)));

    public static DealVerificationResult Verification(DealVerification v) => new(v.DealId, v.Status,
        v.Status switch
        {
            "verified" => "Deal signature is valid and data is unmodified",
            "tampered" => "The deal's current content does not match what was signed, or a signature does not verify",
            _ => "The deal has no signature",
        },
        new DealHashCheck(v.StoredHash, v.CurrentHash, v.StoredHash is not null && v.StoredHash == v.CurrentHash),
        v.SignatureValid is null ? null : new DealSignatureCheck(v.SignatureValid, v.Algorithm, v.SignedAt),
        "public_key",
        "This signature can be independently verified using the tenant's ed25519 public key without trusting Salesbooth infrastructure.");

    public static IResult StateMachine(string? entity)
    {
        if (entity is not (null or "" or "deals"))
        {
            throw new ApiException(ApiError.BadRequest("entity must be deals (contracts are not available yet)", new { parameter = "entity" }));
        }
        return ApiResults.Ok(new StateMachineData("1.0.0", ["deals"], new DealStateMachineSchema(DealStatuses.All, DealStatuses.Draft,
            [.. DealStatuses.All.Where(DealStatuses.IsFinal)],
            [.. DealStateMachine.Transitions.Select(t => new StateMachineTransition(t.From, t.To, t.Action, t.Description, t.Conditions))],
            DealConditions.Descriptions)));
    }

    private static DealActionLink ActionFor(string dealId, DealTransition t) => t.Action switch
    {
        DealStateMachine.TransitionAction => new("POST", $"/api/v1/deals?id={dealId}&action=transition&status={t.To}", t.Description),
        _ => new("POST", $"/api/v1/deals?id={dealId}&action={t.Action}", t.Description),
    };

    private static async Task<IResult> CompareTerms(HttpContext http, IGrainFactory grains)
    {
        var query = http.Request.Query;
        var first = await DealRequests.Deal(http, grains, query["deal_id_1"].ToString()).Get();
        var second = await DealRequests.Deal(http, grains, query["deal_id_2"].ToString()).Get();
        var a = first.TermsJson is null ? new JsonObject() : JsonNode.Parse(first.TermsJson)!.AsObject();
        var b = second.TermsJson is null ? new JsonObject() : JsonNode.Parse(second.TermsJson)!.AsObject();
        var differences = new List<DealTermsDifference>();
        foreach (var key in a.Select(p => p.Key).Union(b.Select(p => p.Key)).Order(StringComparer.Ordinal))
        {
            var left = a[key];
            var right = b[key];
            if (!JsonNode.DeepEquals(left, right))
            {
                differences.Add(new DealTermsDifference(key, left?.DeepClone(), right?.DeepClone()));
            }
        }
        return ApiResults.Ok(new DealTermsComparison(first.Id, second.Id, a, b, differences.Count == 0, differences));
    }

    private static async Task<IResult> SigningCertificate(HttpContext http, IGrainFactory grains, string? id)
    {
        var grain = DealRequests.Deal(http, grains, id);
        var deal = await grain.Get();
        var chain = await grain.VerifyAudit();
        return ApiResults.Ok(new SigningCertificate("1.0", DateTimeOffset.UtcNow,
            "Electronic Transactions Act 1999 (Cth) and state/territory equivalents",
            new SigningCertificateDeal(deal.Id, deal.Title, deal.Status, deal.Currency, MoneyFormat.Amount(deal.Pricing.Total, deal.Currency),
                deal.CreatedAt),
            [.. deal.Signatures.Select(s => new SigningCertificateSigner(s.Id, s.SignerType, s.SignerId, "click-to-sign", s.Algorithm, s.DealHash,
                s.SignedAt, s.IsAgentSigner))],
            [.. deal.Signatures.Where(s => s.ConsentToSign).Select(s => new SigningConsentEvent(s.Id, s.SignerId, true, s.SignedAt))],
            Verification(chain), "This certificate is produced by Salesbooth and is not legal advice."));
    }

    private static AuditChainVerification Verification(AuditVerification result) => new(result.Status, result.TotalEntries,
        result.FirstBrokenEntryId, result.FirstBrokenSequence, result.Reason, DateTimeOffset.UtcNow);

    private static DealAuditEntry AuditEntry(AuditEntry e) => new(e.Id, e.Sequence, e.Action, e.Actor, e.ActorType, e.EntityType, e.EntityId,
        JsonNode.Parse(e.ChangesJson), e.PreviousHash, e.EntryHash, e.CreatedAt);

    private static JsonObject Without(JsonObject terms, string name)
    {
        var copy = terms.DeepClone().AsObject();
        copy.Remove(name);
        return copy;
    }
}
