using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tests.Payments;

/// <summary>
/// A local Stripe: a real Kestrel listener on loopback that Stripe.net talks to (its <c>apiBase</c>). It serves the
/// endpoints payments use with Stripe's shapes — form-encoded requests (<c>metadata[k]=v</c>), JSON objects with
/// <c>object</c>, integer minor-unit amounts, lowercase currencies, <c>{"error":{type,code,message}}</c> errors —
/// keeps each API key's objects apart (a tenant's key sees only its own), and honours <c>Idempotency-Key</c>: the
/// same key with the same parameters answers the first response again, with other parameters 400 idempotency_error.
/// Tests move intents on as a customer's card would (<see cref="Succeed"/>, <see cref="Authorize"/>, <see cref="Fail"/>)
/// and sign events the way Stripe does (<see cref="Signed"/>).
/// </summary>
public sealed class FakeStripe : IAsyncDisposable
{
    public const string ApiVersion = "2026-10-28.endive";

    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, JsonObject> objects = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> owners = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Fingerprint, int Status, string Body)> idempotent = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<string> rejectedKeys = [];
    private readonly ConcurrentBag<string> decliningCustomers = [];
    private readonly object gate = new();
    private int intentsCreated;
    private int refundsCreated;

    private FakeStripe(WebApplication app)
    {
        this.app = app;
    }

    public string BaseUrl { get; private set; } = "";

    /// <summary>PaymentIntents actually created (an idempotent replay does not count).</summary>
    public int IntentsCreated => intentsCreated;

    public int RefundsCreated => refundsCreated;

    /// <summary>Requests that carried an <c>Idempotency-Key</c> header, by path.</summary>
    public ConcurrentQueue<(string Path, string? Key)> Requests { get; } = new();

    public static FakeStripe Start()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var fake = new FakeStripe(builder.Build());
        fake.Map();
        fake.app.StartAsync().GetAwaiter().GetResult();
        fake.BaseUrl = fake.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return fake;
    }

    /// <summary>Stripe answers 401 to this key from now on.</summary>
    public void RejectKey(string apiKey) => rejectedKeys.Add(apiKey);

    /// <summary>The customer's bank declines every confirmation from now on (a saved card that stopped working).</summary>
    public void DeclineCustomer(string stripeCustomerId) => decliningCustomers.Add(stripeCustomerId);

    public JsonObject Get(string id) => (JsonObject)objects[id].DeepClone();

    /// <summary>The customer paid (automatic capture): succeeded, amount received; returns the intent as Stripe now shows it.</summary>
    public JsonObject Succeed(string intentId) => Change(intentId, pi =>
    {
        Assert.NotEqual("manual", (string?)pi["capture_method"]);
        pi["status"] = "succeeded";
        pi["amount_received"] = (long)pi["amount"]!;
        pi["latest_charge"] = ChargeOf(intentId);
    });

    /// <summary>The card was authorised on a manual-capture intent: requires_capture.</summary>
    public JsonObject Authorize(string intentId) => Change(intentId, pi =>
    {
        Assert.Equal("manual", (string?)pi["capture_method"]);
        pi["status"] = "requires_capture";
        pi["amount_capturable"] = (long)pi["amount"]!;
        pi["latest_charge"] = ChargeOf(intentId);
    });

    public JsonObject Fail(string intentId, string message) => Change(intentId, pi =>
    {
        pi["status"] = "requires_payment_method";
        pi["last_payment_error"] = new JsonObject { ["type"] = "card_error", ["code"] = "card_declined", ["message"] = message };
    });

    /// <summary>The customer entered a card in Stripe.js: the intent carries a payment method (confirm needs one).</summary>
    public JsonObject AttachPaymentMethod(string intentId, string paymentMethod) => Change(intentId, pi =>
    {
        pi["payment_method"] = paymentMethod;
        pi["status"] = "requires_confirmation";
    });

    /// <summary>The customer paid on the hosted Checkout page: Stripe makes the session's intent (with its payment_intent_data) and it succeeds.</summary>
    public JsonObject CompleteCheckout(string sessionId)
    {
        var session = objects[sessionId];
        var id = "pi_" + Random(24);
        var amount = (long)session["amount_total"]!;
        var pi = new JsonObject
        {
            ["id"] = id,
            ["object"] = "payment_intent",
            ["amount"] = amount,
            ["amount_capturable"] = 0L,
            ["amount_received"] = amount,
            ["capture_method"] = "automatic_async",
            ["client_secret"] = $"{id}_secret_{Random(24)}",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["currency"] = session["currency"]!.DeepClone(),
            ["last_payment_error"] = null,
            ["latest_charge"] = ChargeOf(id),
            ["livemode"] = false,
            ["metadata"] = session["payment_intent_metadata"]!.DeepClone(),
            ["status"] = "succeeded",
        };
        objects[id] = pi;
        owners[id] = owners[sessionId];
        session["payment_intent"] = id;
        session["status"] = "complete";
        return (JsonObject)pi.DeepClone();
    }

    /// <summary>The charge behind an intent as Stripe shows it in <c>charge.refunded</c>.</summary>
    public JsonObject Charge(string intentId)
    {
        var pi = objects[intentId];
        var refunded = objects.Values.Where(o => (string?)o["object"] == "refund" && (string?)o["payment_intent"] == intentId).Sum(r => (long)r["amount"]!);
        return new JsonObject
        {
            ["id"] = ChargeOf(intentId),
            ["object"] = "charge",
            ["amount"] = (long)pi["amount"]!,
            ["amount_captured"] = (long)pi["amount_received"]!,
            ["amount_refunded"] = refunded,
            ["currency"] = (string)pi["currency"]!,
            ["payment_intent"] = intentId,
            ["refunded"] = refunded >= (long)pi["amount_received"]!,
            ["status"] = "succeeded",
            ["paid"] = true,
            ["livemode"] = false,
            ["created"] = pi["created"]!.DeepClone(),
            ["metadata"] = new JsonObject(),
        };
    }

    /// <summary>A dispute (chargeback) on the intent's charge, as <c>charge.dispute.*</c> carries it.</summary>
    public JsonObject Dispute(string intentId, string status) => new()
    {
        ["id"] = "du_" + intentId[3..],
        ["object"] = "dispute",
        ["amount"] = (long)objects[intentId]["amount_received"]!,
        ["currency"] = objects[intentId]["currency"]!.DeepClone(),
        ["charge"] = ChargeOf(intentId),
        ["payment_intent"] = intentId,
        ["reason"] = "fraudulent",
        ["status"] = status,
        ["livemode"] = false,
        ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["metadata"] = new JsonObject(),
    };

    /// <summary>An event as Stripe posts it: its JSON and the <c>Stripe-Signature</c> header (<c>t=…,v1=HMAC-SHA256(secret, "t.payload")</c>).</summary>
    public static (string Payload, string Signature) Signed(string type, JsonObject dataObject, string secret, DateTimeOffset at, string? eventId = null)
    {
        var payload = new JsonObject
        {
            ["id"] = eventId ?? "evt_" + Random(24),
            ["object"] = "event",
            ["api_version"] = ApiVersion,
            ["created"] = at.ToUnixTimeSeconds(),
            ["type"] = type,
            ["livemode"] = false,
            ["pending_webhooks"] = 1,
            ["request"] = new JsonObject { ["id"] = null, ["idempotency_key"] = null },
            ["data"] = new JsonObject { ["object"] = dataObject.DeepClone() },
        }.ToJsonString();
        return (payload, Signature(payload, secret, at));
    }

    public static string Signature(string payload, string secret, DateTimeOffset at)
    {
        var t = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{payload}"));
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();

    private void Map()
    {
        app.MapPost("/v1/payment_intents", (HttpRequest request) => Handle(request.HttpContext, (scope, form) =>
        {
            var amount = RequiredLong(form, "amount");
            var id = "pi_" + Random(24);
            var pi = new JsonObject
            {
                ["id"] = id,
                ["object"] = "payment_intent",
                ["amount"] = amount,
                ["amount_capturable"] = 0L,
                ["amount_received"] = 0L,
                ["capture_method"] = form.GetValueOrDefault("capture_method") ?? "automatic_async",
                ["client_secret"] = $"{id}_secret_{Random(24)}",
                ["confirmation_method"] = "automatic",
                ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                ["currency"] = Required(form, "currency"),
                ["description"] = form.GetValueOrDefault("description"),
                ["last_payment_error"] = null,
                ["latest_charge"] = null,
                ["livemode"] = false,
                ["metadata"] = Metadata(form),
                ["status"] = "requires_payment_method",
                ["customer"] = form.GetValueOrDefault("customer"),
                ["setup_future_usage"] = form.GetValueOrDefault("setup_future_usage"),
                ["payment_method"] = form.GetValueOrDefault("payment_method"),
            };
            if (pi["customer"] is not null)
            {
                Owned(scope, (string)pi["customer"]!);
            }
            Interlocked.Increment(ref intentsCreated);
            Store(scope, pi);
            // confirm=true (an off-session charge of a saved card): created and confirmed in one request.
            return form.GetValueOrDefault("confirm") == "true" ? ConfirmIntent(scope, id, form) : Owned(scope, id);
        }));
        app.MapGet("/v1/payment_intents/{id}", (HttpContext http, string id) => Handle(http, (scope, _) => Owned(scope, id)));
        app.MapPost("/v1/payment_intents/{id}/capture", (HttpContext http, string id) => Handle(http, (scope, form) =>
        {
            var pi = Owned(scope, id);
            if ((string?)pi["status"] != "requires_capture")
            {
                throw new StripeError(400, "invalid_request_error", "payment_intent_unexpected_state",
                    $"This PaymentIntent could not be captured because it has a status of {pi["status"]}.");
            }
            var capturable = (long)pi["amount_capturable"]!;
            var amount = form.TryGetValue("amount_to_capture", out var a) ? long.Parse(a, CultureInfo.InvariantCulture) : capturable;
            if (amount > capturable)
            {
                throw new StripeError(400, "invalid_request_error", "amount_too_large", "The amount to capture exceeds the capturable amount.");
            }
            return Change(id, p =>
            {
                p["status"] = "succeeded";
                p["amount_received"] = amount;
                p["amount_capturable"] = 0L;
            });
        }));
        app.MapPost("/v1/payment_intents/{id}/cancel", (HttpContext http, string id) => Handle(http, (scope, _) =>
        {
            var pi = Owned(scope, id);
            if ((string?)pi["status"] is "succeeded" or "canceled")
            {
                throw new StripeError(400, "invalid_request_error", "payment_intent_unexpected_state",
                    $"You cannot cancel this PaymentIntent because it has a status of {pi["status"]}.");
            }
            return Change(id, p =>
            {
                p["status"] = "canceled";
                p["amount_capturable"] = 0L;
                p["cancellation_reason"] = "requested_by_customer";
            });
        }));
        app.MapPost("/v1/payment_intents/{id}/confirm", (HttpContext http, string id) => Handle(http, (scope, form) => ConfirmIntent(scope, id, form)));
        app.MapPost("/v1/customers", (HttpRequest request) => Handle(request.HttpContext, (scope, form) => Store(scope, new JsonObject
        {
            ["id"] = "cus_" + Random(14),
            ["object"] = "customer",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["email"] = form.GetValueOrDefault("email"),
            ["invoice_settings"] = new JsonObject { ["default_payment_method"] = null },
            ["livemode"] = false,
            ["metadata"] = Metadata(form),
        })));
        app.MapGet("/v1/customers/{id}", (HttpContext http, string id) => Handle(http, (scope, _) => Owned(scope, id)));
        app.MapGet("/v1/payment_methods", (HttpRequest request) => Handle(request.HttpContext, (scope, _) =>
        {
            var customer = request.Query["customer"].ToString();
            var type = request.Query["type"].ToString();
            var cards = objects.Where(o => owners[o.Key] == scope && (string?)o.Value["object"] == "payment_method" &&
                                           (string?)o.Value["customer"] == customer && (type.Length == 0 || (string?)o.Value["type"] == type))
                .Select(o => o.Value).OrderByDescending(o => (long)o["created"]!).ThenByDescending(o => (string)o["id"]!)
                .Select(o => (JsonNode)o.DeepClone());
            return new JsonObject { ["object"] = "list", ["data"] = new JsonArray([.. cards]), ["has_more"] = false, ["url"] = "/v1/payment_methods" };
        }));
        app.MapPost("/v1/checkout/sessions", (HttpRequest request) => Handle(request.HttpContext, (scope, form) =>
        {
            var unitAmount = RequiredLong(form, "line_items[0][price_data][unit_amount]");
            var quantity = long.Parse(form.GetValueOrDefault("line_items[0][quantity]") ?? "1", CultureInfo.InvariantCulture);
            var id = "cs_test_" + Random(24);
            var session = new JsonObject
            {
                ["id"] = id,
                ["object"] = "checkout.session",
                ["amount_total"] = unitAmount * quantity,
                ["currency"] = Required(form, "line_items[0][price_data][currency]"),
                ["mode"] = Required(form, "mode"),
                ["status"] = "open",
                ["payment_status"] = "unpaid",
                ["payment_intent"] = null,
                ["client_reference_id"] = form.GetValueOrDefault("client_reference_id"),
                ["success_url"] = form.GetValueOrDefault("success_url"),
                ["cancel_url"] = form.GetValueOrDefault("cancel_url"),
                ["url"] = $"https://checkout.stripe.com/pay/{id}",
                ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                ["expires_at"] = DateTimeOffset.UtcNow.AddHours(24).ToUnixTimeSeconds(),
                ["livemode"] = false,
                ["metadata"] = Metadata(form),
                ["payment_intent_metadata"] = Metadata(form, "payment_intent_data[metadata]["),
            };
            return Store(scope, session);
        }));
        app.MapPost("/v1/refunds", (HttpRequest request) => Handle(request.HttpContext, (scope, form) =>
        {
            var intentId = Required(form, "payment_intent");
            var pi = Owned(scope, intentId);
            var received = (long)pi["amount_received"]!;
            var refunded = objects.Values.Where(o => (string?)o["object"] == "refund" && (string?)o["payment_intent"] == intentId).Sum(r => (long)r["amount"]!);
            var amount = form.TryGetValue("amount", out var a) ? long.Parse(a, CultureInfo.InvariantCulture) : received - refunded;
            if (received == 0 || amount > received - refunded)
            {
                throw new StripeError(400, "invalid_request_error", "charge_already_refunded",
                    $"Refund amount ({amount}) is greater than unrefunded amount on charge ({received - refunded})");
            }
            Interlocked.Increment(ref refundsCreated);
            return Store(scope, new JsonObject
            {
                ["id"] = "re_" + Random(24),
                ["object"] = "refund",
                ["amount"] = amount,
                ["charge"] = ChargeOf(intentId),
                ["currency"] = pi["currency"]!.DeepClone(),
                ["payment_intent"] = intentId,
                ["metadata"] = Metadata(form),
                ["status"] = "succeeded",
                ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            });
        }));
        app.MapPost("/v1/accounts", (HttpRequest request) => Handle(request.HttpContext, (scope, form) => Store(scope, new JsonObject
        {
            ["id"] = "acct_" + Random(16),
            ["object"] = "account",
            ["type"] = form.GetValueOrDefault("type") ?? "standard",
            ["charges_enabled"] = false,
            ["details_submitted"] = false,
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        })));
        app.MapPost("/v1/account_links", (HttpRequest request) => Handle(request.HttpContext, (scope, form) =>
        {
            var account = Required(form, "account");
            _ = Owned(scope, account);
            return new JsonObject
            {
                ["object"] = "account_link",
                ["url"] = $"https://connect.stripe.com/setup/e/{account}/{Random(12)}",
                ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                ["expires_at"] = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds(),
            };
        }));
    }

    /// <summary>Confirms as a card would answer: pm_card_chargeDeclined declines (402 card_error carrying the intent).</summary>
    private JsonObject ConfirmIntent(string scope, string id, Dictionary<string, string> form)
    {
        var pi = Owned(scope, id);
        var method = form.GetValueOrDefault("payment_method") ?? (string?)pi["payment_method"]
            ?? throw new StripeError(400, "invalid_request_error", "payment_intent_unexpected_state",
                "You cannot confirm this PaymentIntent because it's missing a payment method.");
        if (method.StartsWith("pm_card_chargeDeclined", StringComparison.Ordinal) || (string?)pi["customer"] is { } customer && decliningCustomers.Contains(customer))
        {
            var declined = Fail(id, "Your card was declined.");
            throw new StripeError(402, "card_error", "card_declined", "Your card was declined.", declined);
        }
        var confirmed = Change(id, p =>
        {
            var manual = (string?)p["capture_method"] == "manual";
            p["payment_method"] = method;
            p["status"] = manual ? "requires_capture" : "succeeded";
            p[manual ? "amount_capturable" : "amount_received"] = (long)p["amount"]!;
            p["latest_charge"] = ChargeOf(id);
            p["last_payment_error"] = null;
        });
        SaveForFutureUse(scope, confirmed);
        return confirmed;
    }

    /// <summary>A card paid with on an intent with a customer and setup_future_usage is attached to that customer.</summary>
    private void SaveForFutureUse(string scope, JsonObject pi)
    {
        if (pi["customer"] is null || pi["setup_future_usage"] is null || (string?)pi["payment_method"] is not { } method)
        {
            return;
        }
        // A test token (pm_card_visa) becomes a payment method of its own, as Stripe makes one per use.
        Store(scope, new JsonObject
        {
            ["id"] = $"{method}_{Random(8)}",
            ["object"] = "payment_method",
            ["type"] = "card",
            ["customer"] = pi["customer"]!.DeepClone(),
            ["card"] = new JsonObject { ["brand"] = "visa", ["last4"] = "4242" },
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["livemode"] = false,
        });
    }

    private async Task<IResult> Handle(HttpContext http, Func<string, Dictionary<string, string>, JsonObject> handle)
    {
        var auth = http.Request.Headers.Authorization.ToString();
        var apiKey = auth.StartsWith("Bearer ", StringComparison.Ordinal) ? auth[7..] : "";
        if (!(apiKey.StartsWith("sk_test_", StringComparison.Ordinal) || apiKey.StartsWith("rk_test_", StringComparison.Ordinal)) ||
            rejectedKeys.Contains(apiKey))
        {
            return Error(new StripeError(401, "invalid_request_error", null, $"Invalid API Key provided: {apiKey[..Math.Min(apiKey.Length, 8)]}****"));
        }
        // A connected account's objects are its own (Stripe-Account header), as a key's are.
        var scope = http.Request.Headers["Stripe-Account"].ToString() is { Length: > 0 } account ? $"{apiKey}|{account}" : apiKey;
        var form = http.Request.HasFormContentType
            ? (await http.Request.ReadFormAsync()).ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        var key = http.Request.Headers["Idempotency-Key"].ToString();
        Requests.Enqueue((http.Request.Path, key.Length > 0 ? key : null));
        if (http.Request.Method != "POST" || key.Length == 0)
        {
            return Run(scope, form, handle).Result;
        }
        var fingerprint = $"{http.Request.Path}?{string.Join("&", form.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}={f.Value}"))}";
        lock (gate)
        {
            if (idempotent.TryGetValue($"{scope}\n{key}", out var first))
            {
                if (first.Fingerprint != fingerprint)
                {
                    return Error(new StripeError(400, "idempotency_error", null,
                        $"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}'."));
                }
                http.Response.Headers["Idempotent-Replayed"] = "true";
                return Results.Content(first.Body, "application/json", Encoding.UTF8, first.Status);
            }
            var (result, status, body) = Run(scope, form, handle);
            // Stripe keeps the outcome of a request that ran (errors included), not of one refused before it ran (401).
            idempotent[$"{scope}\n{key}"] = (fingerprint, status, body);
            return result;
        }
    }

    private static (IResult Result, int Status, string Body) Run(string scope, Dictionary<string, string> form,
        Func<string, Dictionary<string, string>, JsonObject> handle)
    {
        try
        {
            var body = handle(scope, form).ToJsonString();
            return (Results.Content(body, "application/json", Encoding.UTF8, 200), 200, body);
        }
        catch (StripeError error)
        {
            return (Error(error), error.Status, error.Body);
        }
    }

    private static IResult Error(StripeError error) => Results.Content(error.Body, "application/json", Encoding.UTF8, error.Status);

    private JsonObject Store(string scope, JsonObject created)
    {
        var id = (string)created["id"]!;
        objects[id] = created;
        owners[id] = scope;
        return (JsonObject)created.DeepClone();
    }

    private JsonObject Owned(string scope, string id) =>
        objects.TryGetValue(id, out var found) && owners[id] == scope
            ? (JsonObject)found.DeepClone()
            : throw new StripeError(404, "invalid_request_error", "resource_missing", $"No such object: '{id}'");

    private JsonObject Change(string id, Action<JsonObject> change)
    {
        lock (gate)
        {
            change(objects[id]);
            return (JsonObject)objects[id].DeepClone();
        }
    }

    private static string ChargeOf(string intentId) => "ch_" + intentId[3..];

    private static JsonObject Metadata(Dictionary<string, string> form, string prefix = "metadata[") =>
        new([.. form.Where(f => f.Key.StartsWith(prefix, StringComparison.Ordinal) && f.Key.EndsWith(']'))
            .Select(f => KeyValuePair.Create(f.Key[prefix.Length..^1], (JsonNode?)f.Value))]);

    private static string Required(Dictionary<string, string> form, string name) =>
        form.TryGetValue(name, out var value) && value.Length > 0
            ? value
            : throw new StripeError(400, "invalid_request_error", "parameter_missing", $"Missing required param: {name}.");

    private static long RequiredLong(Dictionary<string, string> form, string name) =>
        long.TryParse(Required(form, name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new StripeError(400, "invalid_request_error", "parameter_invalid_integer", $"Invalid integer: {form[name]}");

    private static string Random(int length) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(length / 2 + 1))[..length];

    private sealed class StripeError(int status, string type, string? code, string text, JsonObject? paymentIntent = null) : Exception(text)
    {
        public int Status => status;

        public string Body => new JsonObject
        {
            ["error"] = new JsonObject { ["type"] = type, ["code"] = code, ["message"] = Message, ["payment_intent"] = paymentIntent?.DeepClone() },
        }.ToJsonString();
    }
}
