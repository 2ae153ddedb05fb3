// Compiled by GeneratedClientTests together with the client NSwag generates from the live /openapi/v1.json, so every
// call, body and response below is typed by the document alone. The document's §First Integration, step by step.
using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace Generated;

/// <summary>NSwag's hook for the client's JSON options: leave unset (null) properties out of request bodies.</summary>
public partial class SalesboothClient
{
    static partial void UpdateJsonSerializerSettings(System.Text.Json.JsonSerializerOptions settings) =>
        settings.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull;
}

public static class FirstIntegrationFlow
{
    /// <param name="http">Carries the tenant's API key.</param>
    /// <param name="anonymous">No key: public verification.</param>
    /// <returns>The public verification status of the signed deal.</returns>
    public static async Task<string> RunAsync(HttpClient http, HttpClient anonymous)
    {
        var client = new SalesboothClient(http);
        var none = CancellationToken.None;

        var product = (await client.CreateProductAsync(null, new ProductInput { Name = "Pro plan", Price = 49.99m, Currency = "USD" }, none))
            .Data.Product;
        Expect(product.Price == 49.99m, $"product price {product.Price}");

        var customer = (await client.CreateCustomerAsync(null, new CustomerInput { Name = "Jane Smith", Email = "jane@example.com" }, none))
            .Data.Customer;

        var deal = (await client.CreateDealAsync(null, new DealInput { Title = "Pro plan for Jane", Customer_id = customer.Id, Deal_type = DealInputDeal_type.One_time }, none)).Data.Deal;
        Expect(deal.Status == "draft", $"new deal status {deal.Status}");

        deal = (await client.AddDealItemAsync(deal.Id, null, null, null, null,
            new DealItemBody { Product_id = product.Id, Name = product.Name, Unit_price = product.Price, Quantity = 2 }, none)).Data.Deal;
        Expect(deal.Line_items.Count == 1 && deal.Total == "99.98", $"deal total {deal.Total}");
        Expect(deal.Pricing.Total.Amount == "99.98" && deal.Pricing.Total.Currency == "USD", "pricing total");

        deal = (await client.TransitionDealAsync(deal.Id, null, "in_progress", null, null, new DealTransitionBody(), none)).Data.Deal;
        Expect(deal.Status == "in_progress", $"after transition {deal.Status}");

        var terms = new JsonObject();
        terms.AdditionalProperties["terms_schema_version"] = "1.0";
        terms.AdditionalProperties["payment_terms"] = new Dictionary<string, object> { ["type"] = "net", ["due_date"] = "2026-04-30" };
        deal = (await client.SetDealTermsAsync(deal.Id, null, null, null, null, new DealTermsBody { Terms = terms }, none)).Data.Deal;
        Expect(deal.Terms_version == 1, $"terms version {deal.Terms_version}");

        deal = (await client.SignDealAsync(deal.Id, null, null, null, null, new DealSignBody { Consent_to_sign = true }, none)).Data.Deal;
        deal = (await client.SignDealAsync(deal.Id, null, null, null, null, new DealSignBody
        {
            Signer_type = DealSignBodySigner_type.Customer, Signer_id = customer.Id, Signer_customer_id = customer.Id, Consent_to_sign = true,
        }, none)).Data.Deal;
        Expect(deal.Status == "pending_payment" && deal.Signatures.Count == 2, $"after signing {deal.Status}");

        var webhook = (await client.CreateWebhookAsync(null, new WebhookInput
        {
            Url = new Uri("http://127.0.0.1:1/generated-client"), Events = new List<string> { "deal.created", "customer.*" },
        }, none)).Data.Webhook;
        Expect(webhook.Secret.StartsWith("whsec_", StringComparison.Ordinal), "the webhook secret is shown once on create");
        var listed = (await client.GetWebhookAsync(webhook.Id, none)).Data.Webhook;
        Expect(listed.Events.Count == 2 && listed.Secret != webhook.Secret, "the stored webhook, secret masked");

        var verification = (await new SalesboothClient(anonymous).VerifyDealAsync(deal.Id, none)).Data.Verification;
        Expect(verification.Deal_hash.Matches, "the stored hash matches");
        return verification.Status;
    }

    private static void Expect(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException("Unexpected: " + what);
        }
    }
}
