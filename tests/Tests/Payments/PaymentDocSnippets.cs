namespace Tests.Payments;

/// <summary>The curl examples of the Salesbooth document (spec/002) for §First Integration and §Payments, verbatim.</summary>
public static class PaymentDocSnippets
{
    public const string CreateProduct = """
        curl -X POST https://api.salesbooth.com/v1/products \
        -H "Authorization: Bearer sb_test_example_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{
        "name": "Pro Plan",
        "price": 99.00,
        "type": "service"
        }'
        """;

    public const string CreateCustomer = """
        curl -X POST https://api.salesbooth.com/v1/customers \
        -H "Authorization: Bearer sb_test_example_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{
        "name": "Jane Smith",
        "email": "jane@example.com",
        "company": "Acme Corp"
        }'
        """;

    public const string CreateDeal = """
        curl -X POST https://api.salesbooth.com/v1/deals \
        -H "Authorization: Bearer sb_test_example_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{
        "customer_id": "cust_xxxxx",
        "title": "Pro Plan — Jane Smith",
        "currency": "USD",
        "tax_rate": 0.10
        }'
        """;

    public const string AddItem = """
        curl -X POST "https://api.salesbooth.com/v1/deals?id=deal_xxxxx&action=add_item" \
        -H "Authorization: Bearer sb_test_example_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{
        "product_id": "prod_xxxxx",
        "name": "Pro Plan",
        "quantity": 1,
        "unit_price": 99.00
        }'
        """;

    public const string ToInProgress = """
        curl -X POST "https://api.salesbooth.com/v1/deals?id=deal_xxxxx&action=transition&status=in_progress" \
        -H "Authorization: Bearer sb_test_example_key_do_not_use"
        """;

    public const string CollectPayment = """
        curl -X POST https://api.salesbooth.com/v1/payments?action=create-intent \
        -H "Authorization: Bearer sb_test_example_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{
        "deal_id": "deal_xxxxx",
        "amount": 108.90,
        "currency": "USD"
        }'
        """;

    public const string Status = """
        curl https://api.salesbooth.com/v1/payments?deal_id=deal_abc123 \
        -H "Authorization: Bearer sb_test_example_key_do_not_use"
        """;

    public const string Settings = """
        curl https://api.salesbooth.com/v1/payments?action=settings \
        -H "Authorization: Bearer sb_test_example_key_do_not_use"
        """;

    public const string CreateIntent = """
        curl -X POST https://api.salesbooth.com/v1/payments?action=create-intent \
        -H "Authorization: Bearer sb_test_example_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{
        "deal_id": "deal_abc123",
        "amount": 1099.00,
        "currency": "USD"
        }'
        """;

    public const string Refund = """
        curl -X POST https://api.salesbooth.com/v1/payments?action=refund \
        -H "Authorization: Bearer sb_test_example_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{
        "deal_id": "deal_abc123",
        "amount": 200.00,
        "reason": "Partial refund for returned item"
        }'
        """;

    public const string RecordManual = """
        curl -X POST https://api.salesbooth.com/v1/payments?action=record-manual \
        -H "Authorization: Bearer sb_test_example_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{ "deal_id": "deal_abc123", "amount": 5000.00, "method": "bank_transfer", "reference": "TXN-001" }'
        """;

    public const string Capture = """
        curl -X POST https://api.salesbooth.com/v1/payments?action=capture \
        -H "Authorization: Bearer sb_test_example_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{
        "deal_id": "deal_abc123",
        "payment_intent_id": "pi_xxxxx"
        }'
        """;

    public const string SaveSettings = """
        curl -X POST https://api.salesbooth.com/v1/payments?action=save-settings \
        -H "Authorization: Bearer sb_test_example_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{
        "payment_methods": { "card": true, "bank_transfer": false },
        "invoice_settings": { "auto_send": true }
        }'
        """;

    public const string ConnectStripe = """
        curl -X POST https://api.salesbooth.com/v1/payments?action=connect-stripe \
        -H "Authorization: Bearer sb_test_example_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{}'
        """;

    public const string DisconnectStripe = """
        curl -X POST https://api.salesbooth.com/v1/payments?action=disconnect-stripe \
        -H "Authorization: Bearer sb_test_example_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{}'
        """;

    public const string Confirm = """
        curl -X POST https://api.salesbooth.com/v1/payments?action=confirm \
        -H "Authorization: Bearer sb_test_example_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{ "deal_id": "deal_xxxxx", "payment_intent_id": "pi_xxxxx" }'
        """;

    public const string ChargeSavedMethod = """
        curl -X POST https://api.salesbooth.com/v1/payments?action=charge-saved-method \
        -H "Authorization: Bearer sb_test_example_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{
        "deal_id": "deal_abc123",
        "customer_id": "cust_xyz789"
        }'
        """;

    public const string PollIntent = """
        curl -X POST https://api.salesbooth.com/v1/payments?action=poll-intent \
        -H "Authorization: Bearer sb_test_example_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{ "payment_intent_id": "pi_xxxxx" }'
        """;

    public const string GenerateLink = """
        curl -X POST https://api.salesbooth.com/v1/payments?action=generate-link \
        -H "Authorization: Bearer sb_test_example_key_do_not_use" \
        -H "Content-Type: application/json" \
        -d '{ "deal_id": "deal_abc123" }'
        """;
}
