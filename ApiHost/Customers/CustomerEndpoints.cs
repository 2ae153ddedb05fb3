using ApiHost.Api;
using ApiHost.Api.Idempotency;
using ApiHost.Api.Lists;
using ApiHost.Auth;
using ApiHost.OpenApi;
using Grains.Interfaces.Customers;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Projections;

namespace ApiHost.Customers;

/// <summary>
/// <c>/v1/customers</c>: list and search (<c>?id=</c> for one), create, update and delete, each record inside the
/// caller's tenant+environment. The grains validate, encrypt and persist; this only parses, authorizes and shapes.
/// </summary>
public static class CustomerEndpoints
{
    public static void MapCustomerEndpoints(this IEndpointRouteBuilder app) => app.MapApi("customers", group =>
    {
        group.MapGet("", List).RequireScope("customers:read")
            .Operation<CustomerList>("listCustomers", "List and search customers", description: "With `?id=` answers one customer like getCustomer.")
            .ListQuery([], CustomerKeys.Statuses);
        group.MapGet("{id}", Get).RequireScope("customers:read").Operation<CustomerData>("getCustomer", "Get a customer");
        group.MapPost("", Create).RequireScope("customers:write").WithIdempotency()
            .Operation<CustomerInput, CustomerData>("createCustomer", "Create a customer", 201);
        group.MapPatch("", Update).RequireScope("customers:write").WithIdempotency().ExcludeFromDescription();
        group.MapPatch("{id}", Update).RequireScope("customers:write").WithIdempotency()
            .Operation<CustomerPatch, CustomerData>("updateCustomer", "Update a customer", description: "Requires If-Match. Also served as `PATCH ?id={id}`.")
            .IfMatch();
        group.MapDelete("", Delete).RequireScope("customers:write").WithIdempotency().ExcludeFromDescription();
        group.MapDelete("{id}", Delete).RequireScope("customers:write").WithIdempotency()
            .Operation<CustomerDeleted>("deleteCustomer", "Delete a customer", description: "Requires If-Match. Also served as `DELETE ?id={id}`.")
            .IfMatch();
    });

    private static async Task<IResult> List(HttpContext http, IGrainFactory grains, string? id, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(id))
        {
            return await Get(http, grains, id, ct);
        }
        var shape = ListShape.Parse(http.Request);
        var query = ListRequest.Parse(http.Request, [], CustomerKeys.Statuses);
        var page = await grains.GetGrain<ICustomerDirectoryGrain>(http.Caller().Partition).List(query, ct);
        var items = new ListPage<System.Text.Json.Nodes.JsonObject>([.. page.Items.Select(CustomerContract.ToJson)], page.Total,
            page.NextCursor, page.PrevCursor, page.HasMore);
        return ApiResults.Ok(ListResponse.Build("customers", items, query, shape));
    }

    private static async Task<IResult> Get(HttpContext http, IGrainFactory grains, string id, CancellationToken ct)
    {
        var shape = ListShape.Parse(http.Request);
        var customer = await Customer(http, grains, id).Get(ct);
        return ApiResults.Ok(CustomerContract.Single(customer, shape), customer.Version);
    }

    private static async Task<IResult> Create(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var validateOnly = ResourceRequests.ValidateOnly(http.Request);
        var fields = CustomerContract.Read(await RequestBody.ReadObjectAsync(http.Request, ct), creating: true);
        if (validateOnly)
        {
            return ApiResults.Ok(ResourceRequests.ValidationPassed);
        }
        var id = KeyedIds.New(http, CustomerKeys.IdPrefix);
        var customer = await grains.GetGrain<ICustomerGrain>(CustomerKeys.Grain(http.Caller().Partition, id)).Create(fields);
        return ApiResults.Created(CustomerContract.Single(customer), customer.Version);
    }

    private static async Task<IResult> Update(HttpContext http, IGrainFactory grains, string? id, CancellationToken ct)
    {
        var grain = Customer(http, grains, id);
        var expected = Preconditions.RequireIfMatch(http.Request);
        var changes = CustomerContract.Read(await RequestBody.ReadObjectAsync(http.Request, ct), creating: false);
        var customer = await ResourceRequests.WithCurrentOnStale(() => grain.Update(changes, expected), () => Current(grain));
        return ApiResults.Ok(CustomerContract.Single(customer), customer.Version);
    }

    private static async Task<IResult> Delete(HttpContext http, IGrainFactory grains, string? id)
    {
        var grain = Customer(http, grains, id);
        var expected = Preconditions.RequireIfMatch(http.Request);
        await ResourceRequests.DeleteVersioned(() => grain.Delete(expected), () => Current(grain));
        return ApiResults.Ok(new CustomerDeleted(id!, id!, true));
    }

    /// <summary>The caller's customer: its grain lives under the caller's partition, so other tenants' ids are not found.</summary>
    private static ICustomerGrain Customer(HttpContext http, IGrainFactory grains, string? id)
    {
        var customerId = ResourceRequests.RequireId(id, CustomerKeys.IdPrefix, "Customer");
        return grains.GetGrain<ICustomerGrain>(CustomerKeys.Grain(http.Caller().Partition, customerId));
    }

    private static async Task<object> Current(ICustomerGrain grain) => CustomerContract.Single(await grain.Get());
}
