namespace Tests.Deals;

/// <summary>The curl examples of the Salesbooth document (spec/002) for escrow (§Deals) and §Negotiations, verbatim.</summary>
public static class DocSnippets
{
    public const string Escrow = """
        curl -X POST "https://api.salesbooth.com/v1/deals?id=deal_xxxxx&action=escrow" \
        -H "Authorization: Bearer sb_test_example_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{
        "conditions": [
        {"type": "delivery", "config": {"tracking_required": true}},
        {"type": "approval"}
        ],
        "expires_in": 1209600
        }'
        """;

    public const string ReleaseEscrow = """
        curl -X POST "https://api.salesbooth.com/v1/deals?id=deal_xxxxx&action=release_escrow" \
        -H "Authorization: Bearer sb_test_example_key_do_not_use"
        """;

    public const string RefundEscrow = """
        curl -X POST "https://api.salesbooth.com/v1/deals?id=deal_xxxxx&action=refund_escrow" \
        -H "Authorization: Bearer sb_test_example_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{"reason": "condition_failed"}'
        """;

    public const string FulfillCondition = """
        curl -X POST "https://api.salesbooth.com/v1/deals?id=deal_xxxxx&action=fulfill_condition" \
        -H "Authorization: Bearer sb_test_example_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{
        "condition_id": "cond_yyyyy",
        "met_by": "logistics_system"
        }'
        """;

    public const string NegotiationHistory = """
        curl "https://api.salesbooth.com/v1/deal-negotiations?deal_id=deal_abc123" \
        -H "Authorization: Bearer sb_test_example_key_do_not_use"
        """;

    public const string Propose = """
        curl -X POST "https://api.salesbooth.com/v1/deal-negotiations?action=propose&deal_id=deal_abc123" \
        -H "Authorization: Bearer sb_test_example_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{
        "proposed_terms": { "discount_percent": 15, "payment_terms": "net_30" },
        "message": "Volume order — requesting 15% discount with net-30 terms",
        "expires_at": "2026-03-19T00:00:00Z"
        }'
        """;

    public const string Counter = """
        curl -X POST "https://api.salesbooth.com/v1/deal-negotiations?action=counter&deal_id=deal_abc123" \
        -H "Authorization: Bearer sb_test_example_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{
        "proposed_terms": { "discount_percent": 10, "payment_terms": "net_15" },
        "message": "We can offer 10% with net-15 terms"
        }'
        """;

    public const string Accept = """
        curl -X POST "https://api.salesbooth.com/v1/deal-negotiations?action=accept&deal_id=deal_abc123" \
        -H "Authorization: Bearer sb_test_example_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{}'
        """;

    public const string Reject = """
        curl -X POST "https://api.salesbooth.com/v1/deal-negotiations?action=reject&deal_id=deal_abc123" \
        -H "Authorization: Bearer sb_test_example_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{ "reason": "Terms do not meet minimum margin requirements" }'
        """;

    public const string Suggest = """
        curl -X POST "https://api.salesbooth.com/v1/deal-negotiations?action=suggest&deal_id=deal_abc123" \
        -H "Authorization: Bearer sb_test_example_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{
        "current_terms": { "discount_percent": 15, "payment_terms": "net_30" }
        }'
        """;

    public const string DealTermsSchema = """
        curl "https://api.salesbooth.com/v1/schema/deal-terms"
        """;
}
