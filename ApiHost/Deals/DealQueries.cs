using System.Text.Json.Nodes;
using ApiHost.Api;
using ApiHost.Api.Lists;
using ApiHost.Auth;
using Grains.Interfaces.Customers;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Money;

namespace ApiHost.Deals;

/// <summary>GET on deals: the list, one deal, and the read actions (<c>?action=</c>).</summary>
public static class DealQueries
{
    public static readonly string[] ListFilters = ["customer_id"];

    private static readonly string[] Actions =
        ["terms", "compare-terms", "audit", "verify_audit", "escrow", "valid_transitions", "signing_certificate", "export"];

    public static async Task<IResult> Get(HttpContext http, IGrainFactory grains, string? id, string? action, CancellationToken ct)
    {
        switch (action)
        {
            case null or "":
                return string.IsNullOrEmpty(id) ? await List(http, grains, ct) : await One(http, grains, id, ct);
            case "export":
                return await DealExport.Export(http, grains, ct);
            case "compare-terms":
                return await CompareTerms(http, grains);
            case "valid_transitions":
                return await ValidTransitions(http, grains, id);
            case "terms":
            {
                var deal = await DealRequests.Deal(http, grains, id).Get();
                var terms = deal.TermsJson is null ? null : JsonNode.Parse(deal.TermsJson)!.AsObject();
                return ApiResults.Ok(new JsonObject
                {
                    ["deal_id"] = deal.Id,
                    ["terms_schema_version"] = terms?["terms_schema_version"]?.DeepClone(),
                    ["terms_version"] = deal.TermsVersion,
                    ["terms"] = terms is null ? null : Without(terms, "terms_schema_version"),
                });
            }
            case "audit":
            {
                var query = new ListRequest.QueryReader(http.Request.Query);
                var paging = ListPaging.Read(query);
                query.ThrowIfInvalid();
                var page = await DealRequests.Deal(http, grains, id).Audit(paging.Offset, paging.Limit);
                var data = ListResponse.Build("entries", new JsonArray([.. page.Entries.Select(e => (JsonNode)AuditEntry(e))]), page.Total, paging);
                data.Insert(0, "deal_id", id);
                return ApiResults.Ok(data);
            }
            case "verify_audit":
            {
                var result = await DealRequests.Deal(http, grains, id).VerifyAudit();
                return ApiResults.Ok(Verification(result));
            }
            case "signing_certificate":
                return await SigningCertificate(http, grains, id);
            case "escrow":
                return await DealEscrowActions.Get(http, grains, id);
            default:
                throw new ApiException(ApiError.BadRequest($"Unknown action '{action}'; supported: {string.Join(", ", Actions)}",
                    new { parameter = "action" }));
        }
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
        return ApiResults.Ok(new JsonObject
        {
            ["deal_id"] = deal.Id,
            ["current_status"] = deal.Status,
            ["transitions"] = new JsonArray([.. transitions.Select(t => (JsonNode)new JsonObject
            {
                ["target"] = t.Transition.To,
                ["available"] = t.Available,
                ["conditions"] = new JsonArray([.. t.Transition.Conditions.Select(c => (JsonNode)new JsonObject
                {
                    ["name"] = c,
                    ["description"] = DealConditions.Descriptions[c],
                    ["met"] = !t.UnmetConditions.Contains(c),
                })]),
                ["action"] = ActionFor(deal.Id, t.Transition),
            })]),
        });
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

    private static IResult Verified(DealVerification v) => ApiResults.Ok(new JsonObject { ["verification"] = VerificationJson(v) });

    public static JsonObject VerificationJson(DealVerification v) => new()
    {
        ["deal_id"] = v.DealId,
        ["status"] = v.Status,
        ["message"] = v.Status switch
        {
            "verified" => "Deal signature is valid and data is unmodified",
            "tampered" => "The deal's current content does not match what was signed, or a signature does not verify",
            _ => "The deal has no signature",
        },
        ["deal_hash"] = new JsonObject
        {
            ["stored"] = v.StoredHash,
            ["current"] = v.CurrentHash,
            ["matches"] = v.StoredHash is not null && v.StoredHash == v.CurrentHash,
        },
        ["signature"] = v.SignatureValid is null ? null : new JsonObject
        {
            ["valid"] = v.SignatureValid,
            ["signature_algorithm"] = v.Algorithm,
            ["signed_at"] = v.SignedAt,
        },
        ["verification_method"] = "public_key",
        ["verification_note"] = "This signature can be independently verified using the tenant's ed25519 public key without trusting Salesbooth infrastructure.",
    };

    public static IResult StateMachine(string? entity)
    {
        if (entity is not (null or "" or "deals"))
        {
            throw new ApiException(ApiError.BadRequest("entity must be deals (contracts are not available yet)", new { parameter = "entity" }));
        }
        return ApiResults.Ok(new JsonObject
        {
            ["schema_version"] = "1.0.0",
            ["entity_types"] = new JsonArray("deals"),
            ["deals"] = new JsonObject
            {
                ["states"] = new JsonArray([.. DealStatuses.All.Select(s => (JsonNode)s)]),
                ["initial_state"] = DealStatuses.Draft,
                ["final_states"] = new JsonArray([.. DealStatuses.All.Where(DealStatuses.IsFinal).Select(s => (JsonNode)s)]),
                ["transitions"] = new JsonArray([.. DealStateMachine.Transitions.Select(t => (JsonNode)new JsonObject
                {
                    ["from"] = t.From,
                    ["to"] = t.To,
                    ["action"] = t.Action,
                    ["description"] = t.Description,
                    ["conditions"] = new JsonArray([.. t.Conditions.Select(c => (JsonNode)c)]),
                })]),
                ["conditions"] = new JsonObject([.. DealConditions.Descriptions.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))]),
            },
        });
    }

    private static JsonObject ActionFor(string dealId, DealTransition t) => t.Action switch
    {
        DealStateMachine.TransitionAction => new JsonObject
        {
            ["method"] = "POST",
            ["endpoint"] = $"/api/v1/deals?id={dealId}&action=transition&status={t.To}",
            ["description"] = t.Description,
        },
        _ => new JsonObject
        {
            ["method"] = "POST",
            ["endpoint"] = $"/api/v1/deals?id={dealId}&action={t.Action}",
            ["description"] = t.Description,
        },
    };

    private static async Task<IResult> CompareTerms(HttpContext http, IGrainFactory grains)
    {
        var query = http.Request.Query;
        var first = await DealRequests.Deal(http, grains, query["deal_id_1"].ToString()).Get();
        var second = await DealRequests.Deal(http, grains, query["deal_id_2"].ToString()).Get();
        var a = first.TermsJson is null ? new JsonObject() : JsonNode.Parse(first.TermsJson)!.AsObject();
        var b = second.TermsJson is null ? new JsonObject() : JsonNode.Parse(second.TermsJson)!.AsObject();
        var differences = new JsonArray();
        foreach (var key in a.Select(p => p.Key).Union(b.Select(p => p.Key)).Order(StringComparer.Ordinal))
        {
            var left = a[key];
            var right = b[key];
            if (!JsonNode.DeepEquals(left, right))
            {
                differences.Add(new JsonObject { ["field"] = key, ["deal_1"] = left?.DeepClone(), ["deal_2"] = right?.DeepClone() });
            }
        }
        return ApiResults.Ok(new JsonObject
        {
            ["deal_id_1"] = first.Id,
            ["deal_id_2"] = second.Id,
            ["terms_1"] = a.DeepClone(),
            ["terms_2"] = b.DeepClone(),
            ["identical"] = differences.Count == 0,
            ["differences"] = differences,
        });
    }

    private static async Task<IResult> SigningCertificate(HttpContext http, IGrainFactory grains, string? id)
    {
        var grain = DealRequests.Deal(http, grains, id);
        var deal = await grain.Get();
        var chain = await grain.VerifyAudit();
        var now = DateTimeOffset.UtcNow;
        return ApiResults.Ok(new JsonObject
        {
            ["certificate_version"] = "1.0",
            ["generated_at"] = now,
            ["legislation"] = "Electronic Transactions Act 1999 (Cth) and state/territory equivalents",
            ["deal"] = new JsonObject
            {
                ["deal_id"] = deal.Id,
                ["title"] = deal.Title,
                ["status"] = deal.Status,
                ["currency"] = deal.Currency,
                ["total"] = Grains.Interfaces.Money.MoneyFormat.Amount(deal.Pricing.Total, deal.Currency),
                ["created_at"] = deal.CreatedAt,
            },
            ["signers"] = new JsonArray([.. deal.Signatures.Select(s => (JsonNode)new JsonObject
            {
                ["signature_id"] = s.Id,
                ["signer_type"] = s.SignerType,
                ["signer_id"] = s.SignerId,
                ["signature_method"] = "click-to-sign",
                ["signature_algorithm"] = s.Algorithm,
                ["signature_hash"] = s.DealHash,
                ["signed_at"] = s.SignedAt,
                ["is_agent_signer"] = s.IsAgentSigner,
            })]),
            ["consent_events"] = new JsonArray([.. deal.Signatures.Where(s => s.ConsentToSign).Select(s => (JsonNode)new JsonObject
            {
                ["signature_id"] = s.Id,
                ["signer_id"] = s.SignerId,
                ["consent_to_sign"] = true,
                ["recorded_at"] = s.SignedAt,
            })]),
            ["hash_chain_verification"] = Verification(chain),
            ["note"] = "This certificate is produced by Salesbooth and is not legal advice.",
        });
    }

    private static JsonObject Verification(AuditVerification result) => new()
    {
        ["status"] = result.Status,
        ["total_entries"] = result.TotalEntries,
        ["first_broken_entry_id"] = result.FirstBrokenEntryId,
        ["first_broken_sequence"] = result.FirstBrokenSequence,
        ["reason"] = result.Reason,
        ["verified_at"] = DateTimeOffset.UtcNow,
    };

    private static JsonObject AuditEntry(AuditEntry e) => new()
    {
        ["id"] = e.Id,
        ["sequence"] = e.Sequence,
        ["action"] = e.Action,
        ["actor"] = e.Actor,
        ["actor_type"] = e.ActorType,
        ["entity_type"] = e.EntityType,
        ["entity_id"] = e.EntityId,
        ["changes"] = JsonNode.Parse(e.ChangesJson),
        ["previous_hash"] = e.PreviousHash,
        ["entry_hash"] = e.EntryHash,
        ["created_at"] = e.CreatedAt,
    };

    private static JsonObject Without(JsonObject terms, string name)
    {
        var copy = terms.DeepClone().AsObject();
        copy.Remove(name);
        return copy;
    }
}
