namespace Tests.Delegations;

/// <summary>The curl examples of the Salesbooth document (spec/002) for §Delegations, §Agent Trust and §Trust Levels, verbatim.</summary>
public static class DelegationDocSnippets
{
    public const string Verify = """
        curl "https://api.salesbooth.com/v1/delegations?id=del_xxxxx&action=verify" \
        -H "Authorization: Bearer sb_test_example_key_do_not_use"
        """;

    public const string Check = """
        curl "https://api.salesbooth.com/v1/delegations?action=check" \
        -H "Authorization: Bearer sb_agent_key_do_not_use"
        """;

    public const string Spending = """
        curl "https://api.salesbooth.com/v1/delegations?action=spending&id=del_xxxxx" \
        -H "Authorization: Bearer sb_test_example_key_do_not_use"
        """;

    public const string Analytics = """
        curl "https://api.salesbooth.com/v1/delegations?action=analytics&id=del_xxxxx" \
        -H "Authorization: Bearer sb_test_example_key_do_not_use"
        """;

    public const string Summary = """
        curl "https://api.salesbooth.com/v1/delegations?action=summary" \
        -H "Authorization: Bearer sb_test_example_key_do_not_use"
        """;

    public const string Pending = """
        curl "https://api.salesbooth.com/v1/delegations?action=pending" \
        -H "Authorization: Bearer sb_test_example_key_do_not_use"
        """;

    public const string Activity = """
        curl "https://api.salesbooth.com/v1/delegations?action=activity&id=del_xxxxx&from_date=2026-04-01" \
        -H "Authorization: Bearer sb_test_example_key_do_not_use"
        """;

    public const string Create = """
        curl -X POST https://api.salesbooth.com/v1/delegations \
        -H "Authorization: Bearer sb_test_example_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{
        "grantee_agent_key_id": "key_agent_xxxxx",
        "allowed_actions": ["deals:read", "deals:write", "agent:negotiate"],
        "max_transaction_amount": 5000.00,
        "max_daily_amount": 25000.00,
        "expires_at": "2026-06-01T00:00:00Z"
        }'
        """;

    public const string Update = """
        curl -X PUT "https://api.salesbooth.com/v1/delegations?id=del_xxxxx" \
        -H "Authorization: Bearer sb_test_example_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{ "max_transaction_amount": 2500.00, "expires_at": "2026-05-01T00:00:00Z" }'
        """;

    public const string Revoke = """
        curl -X DELETE "https://api.salesbooth.com/v1/delegations?id=del_xxxxx" \
        -H "Authorization: Bearer sb_test_example_key_do_not_use"
        """;

    public const string UseDelegation = """
        curl -X POST https://api.salesbooth.com/v1/deals \
        -H "Authorization: Bearer sb_agent_key_do_not_use" \
        -H "X-Delegation-ID: del_xxxxx" \
        -H "Content-Type: application/json" \
        -d '{ "customer_id": "cust_xxxxx", "currency": "USD" }'
        """;

    public const string AgentTrust = """
        curl https://api.salesbooth.com/v1/agent-trust \
        -H "Authorization: Bearer sb_test_example_key_do_not_use"
        """;

    public const string AgentTrustHistory = """
        curl "https://api.salesbooth.com/v1/agent-trust?action=history&limit=10" \
        -H "Authorization: Bearer sb_test_example_key_do_not_use"
        """;

    public const string IssueCredential = """
        curl -X POST https://api.salesbooth.com/v1/agent-trust-credentials \
        -H "Authorization: Bearer sb_test_example_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{ "credential_type": "TrustLevelCredential" }'
        """;

    public const string ListCredentials = """
        curl https://api.salesbooth.com/v1/agent-trust-credentials \
        -H "Authorization: Bearer sb_test_example_key_do_not_use"
        """;

    public const string Revocations = """
        curl "https://api.salesbooth.com/v1/trust/revocations"
        """;

    public const string Proposal = """
        curl "https://api.salesbooth.com/v1/delegations?action=proposal&id=dprop_xxxxx" \
        -H "Authorization: Bearer sb_test_example_key_do_not_use"
        """;

    public const string ListProposals = """
        curl "https://api.salesbooth.com/v1/delegations/proposals" \
        -H "Authorization: Bearer sb_agent_key_do_not_use"
        """;

    public const string Propose = """
        curl -X POST https://api.salesbooth.com/v1/delegations/proposals \
        -H "Authorization: Bearer sb_agent_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{
        "target_api_key_id": "key_agent_bbbbb",
        "proposed_actions": ["discover", "negotiate"],
        "max_transaction_amount": 1000.00,
        "proposed_duration_hours": 168,
        "message": "Requesting delegation to negotiate deals on your behalf"
        }'
        """;

    public const string AcceptProposal = """
        curl -X POST "https://api.salesbooth.com/v1/delegations/proposals/dprop_xxxxx/accept" \
        -H "Authorization: Bearer sb_agent_key_do_not_use"
        """;

    public const string RejectProposal = """
        curl -X POST "https://api.salesbooth.com/v1/delegations/proposals/dprop_xxxxx/reject" \
        -H "Authorization: Bearer sb_agent_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{ "reason": "Spending limit too high for current context" }'
        """;

    public const string CounterProposal = """
        curl -X POST "https://api.salesbooth.com/v1/delegations/proposals/dprop_xxxxx/counter" \
        -H "Authorization: Bearer sb_agent_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{
        "proposed_actions": ["discover"],
        "max_transaction_amount": 500.00,
        "proposed_duration_hours": 72,
        "message": "Accepting discover only with lower spending limit"
        }'
        """;

    public const string TenantTrust = """
        curl https://api.salesbooth.com/v1/trust \
        -H "Authorization: Bearer sb_test_example_key_do_not_use"
        """;

    public const string TenantTrustHistory = """
        curl https://api.salesbooth.com/v1/trust?action=history \
        -H "Authorization: Bearer sb_test_example_key_do_not_use"
        """;
}
