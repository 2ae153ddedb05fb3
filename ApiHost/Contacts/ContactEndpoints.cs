using System.Text.Json.Nodes;
using ApiHost.Api;
using ApiHost.Api.Idempotency;
using ApiHost.Api.Lists;
using ApiHost.Auth;
using ApiHost.OpenApi;
using Grains.Interfaces.Contacts;
using Grains.Interfaces.Customers;
using Grains.Interfaces.Projections;

namespace ApiHost.Contacts;

/// <summary>
/// SalesOS <c>/v1/accounts</c> and <c>/v1/contacts</c> (and <c>/api/v1/...</c>) under our envelope and API keys (the
/// customers' scopes: contacts are the same kind of PII). PATCH/DELETE take an optional <c>If-Match</c>.
/// </summary>
public static class ContactEndpoints
{
    private const int AccountContactsShown = 100;
    private const int AccountActivitiesShown = 50;

    private static readonly ResourceWrites<IContactGrain, ContactFields, ContactView, ContactData> Contacts = new(ContactKeys.IdPrefix, "Contact",
        ContactKeys.Grain, ContactContract.ReadContact, contact => new ContactData(ContactContract.Resource(contact)));

    private static readonly ResourceWrites<IAccountGrain, AccountFields, AccountView, AccountData> Accounts = new(AccountKeys.IdPrefix, "Account",
        AccountKeys.Grain, ContactContract.ReadAccount, account => new AccountData(ContactContract.Resource(account)));

    public static void MapContactEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapApi("contacts", group =>
        {
            group.MapGet("", ListContacts).RequireScope("customers:read")
                .Operation<ContactList>("listContacts", "List contacts", description: "`tier=1,2` (contiguous), `engagement_score_min`.")
                .ListQuery(["account_id", "customer_id"], ContactKeys.Statuses);
            group.MapGet("{id}", GetContact).RequireScope("customers:read")
                .Operation<ContactData>("getContact", "Get a contact with its activities and next best action");
            group.MapGet("{id}/engagement-score", GetEngagement).RequireScope("customers:read")
                .Operation<EngagementScoreData>("getContactEngagementScore", "A contact's engagement score, its components and weights");
            group.MapPost("", Contacts.Create).RequireScope("customers:write").WithIdempotency()
                .Operation<ContactInput, ContactData>("createContact", "Create a contact", 201);
            group.MapPost("{id}/customer", CreateCustomer).RequireScope("customers:write").WithIdempotency()
                .Operation<ContactCustomerData>("createCustomerFromContact", "Make a customer from a contact and link them", 201);
            group.MapPatch("{id}", Contacts.Update).RequireScope("customers:write").WithIdempotency()
                .Operation<ContactPatch, ContactData>("updateContact", "Update a contact").IfMatch(required: false);
            group.MapDelete("{id}", Contacts.Delete).RequireScope("customers:write").WithIdempotency()
                .Operation<ResourceDeleted>("deleteContact", "Delete a contact").IfMatch(required: false);
        });
        app.MapApi("accounts", group =>
        {
            group.MapGet("", ListAccounts).RequireScope("customers:read")
                .Operation<AccountList>("listAccounts", "List accounts", description: "`tier=1,2` (contiguous), `fit_score_min`.")
                .ListQuery([], AccountKeys.Statuses);
            group.MapGet("{id}", GetAccount).RequireScope("customers:read")
                .Operation<AccountData>("getAccount", "Get an account with its contacts and their newest activities");
            group.MapPost("", Accounts.Create).RequireScope("customers:write").WithIdempotency()
                .Operation<AccountInput, AccountData>("createAccount", "Create an account", 201);
            group.MapPatch("{id}", Accounts.Update).RequireScope("customers:write").WithIdempotency()
                .Operation<AccountPatch, AccountData>("updateAccount", "Update an account").IfMatch(required: false);
            group.MapDelete("{id}", Accounts.Delete).RequireScope("customers:write").WithIdempotency()
                .Operation<ResourceDeleted>("deleteAccount", "Delete an account (409 while it has contacts)").IfMatch(required: false);
        });
    }

    private static async Task<IResult> ListContacts(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var shape = ListShape.Parse(http.Request);
        var query = ListRequest.Parse(http.Request, ["account_id", "customer_id"], ContactKeys.Statuses);
        query = ContactContract.WithTierAndMinimum(http.Request, query, "engagement_score_min", 1m, EngagementFormula.MaxScore);
        var page = await grains.GetGrain<IContactDirectoryGrain>(http.Caller().Partition).List(query, ct);
        return ApiResults.Ok(ListResponse.Build("contacts", Json(page, c => ContactContract.ToJson(c)), query, shape));
    }

    private static async Task<IResult> GetContact(HttpContext http, IGrainFactory grains, string id, CancellationToken ct)
    {
        var contact = await Contact(http, grains, id).Get(ct);
        return ApiResults.Ok(new ContactData(ContactContract.Resource(contact, withActivities: true)), contact.Version);
    }

    private static async Task<IResult> GetEngagement(HttpContext http, IGrainFactory grains, TimeProvider time, string id, CancellationToken ct)
    {
        var contact = await Contact(http, grains, id).Get(ct);
        return ApiResults.Ok(ContactContract.EngagementScore(contact, time.GetUtcNow()));
    }

    private static async Task<IResult> CreateCustomer(HttpContext http, IGrainFactory grains, string id)
    {
        var customerId = KeyedIds.New(http, CustomerKeys.IdPrefix);
        var contact = await Contact(http, grains, id).CreateCustomer(customerId);
        return ApiResults.Created(new ContactCustomerData(ContactContract.Resource(contact), customerId), contact.Version);
    }

    private static async Task<IResult> ListAccounts(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var shape = ListShape.Parse(http.Request);
        var query = ListRequest.Parse(http.Request, [], AccountKeys.Statuses);
        query = ContactContract.WithTierAndMinimum(http.Request, query, "fit_score_min", 0.01m, 1m);
        var page = await grains.GetGrain<IAccountDirectoryGrain>(http.Caller().Partition).List(query, ct);
        return ApiResults.Ok(ListResponse.Build("accounts", Json(page, ContactContract.ToJson), query, shape));
    }

    /// <summary>The account with its contacts (the first 100) and their newest activities (50), as the document shows.</summary>
    private static async Task<IResult> GetAccount(HttpContext http, IGrainFactory grains, string id, CancellationToken ct)
    {
        var account = await Account(http, grains, id).Get(ct);
        var contacts = await grains.GetGrain<IContactDirectoryGrain>(http.Caller().Partition).List(
            new ListQuery(Limit: AccountContactsShown, Filters: new Dictionary<string, string> { ["account_id"] = account.Id }), ct);
        var data = ContactContract.Resource(account) with
        {
            Contacts = [.. contacts.Items.Select(c => ContactContract.Resource(c))],
            Activities = ContactContract.Activities(contacts.Items.SelectMany(c => c.Activities).OrderByDescending(a => a.At).Take(AccountActivitiesShown)),
        };
        return ApiResults.Ok(new AccountData(data), account.Version);
    }

    private static ListPage<JsonObject> Json<T>(ListPage<T> page, Func<T, JsonObject> map) =>
        new([.. page.Items.Select(map)], page.Total, page.NextCursor, page.PrevCursor, page.HasMore);

    private static IContactGrain Contact(HttpContext http, IGrainFactory grains, string? id) => Contacts.Grain(http, grains, id);

    private static IAccountGrain Account(HttpContext http, IGrainFactory grains, string? id) => Accounts.Grain(http, grains, id);
}
