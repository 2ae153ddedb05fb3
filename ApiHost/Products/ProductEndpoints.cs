using System.Text.Json.Nodes;
using ApiHost.Api;
using ApiHost.Api.Idempotency;
using ApiHost.Api.Lists;
using ApiHost.Auth;
using ApiHost.OpenApi;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Products;
using Grains.Interfaces.Projections;

namespace ApiHost.Products;

/// <summary>
/// <c>/v1/products</c>: list, search and filter (<c>?id=</c> for one, <c>?action=options&amp;id=</c> for its
/// configuration schema), create, update and delete, each record inside the caller's tenant+environment.
/// </summary>
public static class ProductEndpoints
{
    private static readonly string[] Filters = ["type", "category", "family", "requires_booking"];

    public static void MapProductEndpoints(this IEndpointRouteBuilder app) => app.MapApi("products", group =>
    {
        group.MapGet("", List).RequireScope("products:read")
            .Operation<ProductList>("listProducts", "List, search and filter products",
                description: "With `?id=` answers one product like getProduct; with `?id=&action=options` its configuration schema (getProductOptions).")
            .ListQuery(Filters, ProductKeys.Statuses);
        group.MapGet("{id}", Get).RequireScope("products:read").Operation<ProductData>("getProduct", "Get a product");
        group.MapGet("{id}/options", (HttpContext http, IGrainFactory grains, string id, CancellationToken ct) => List(http, grains, id, "options", ct))
            .RequireScope("products:read")
            .Operation<ProductOptions>("getProductOptions", "A product's configuration options schema", description: "Also served as `GET ?id={id}&action=options`.");
        group.MapPost("", Create).RequireScope("products:write").WithIdempotency()
            .Operation<ProductInput, ProductData>("createProduct", "Create a product", 201, "Answers 200 with `?validate_only=true`.");
        group.MapPatch("", Update).RequireScope("products:write").WithIdempotency().ExcludeFromDescription();
        group.MapPatch("{id}", Update).RequireScope("products:write").WithIdempotency()
            .Operation<ProductPatch, ProductData>("updateProduct", "Update a product", description: "Requires If-Match. Also served as `PATCH ?id={id}`.")
            .IfMatch();
        group.MapDelete("", Delete).RequireScope("products:write").WithIdempotency().ExcludeFromDescription();
        group.MapDelete("{id}", Delete).RequireScope("products:write").WithIdempotency()
            .Operation<ProductDeleted>("deleteProduct", "Delete a product", description: "Requires If-Match. Also served as `DELETE ?id={id}`.")
            .IfMatch();
    });

    private static async Task<IResult> List(HttpContext http, IGrainFactory grains, string? id, string? action, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(action))
        {
            if (action != "options")
            {
                throw new ApiException(ApiError.BadRequest($"Unknown action '{action}'; supported: options", new { parameter = "action" }));
            }
            var product = await Product(http, grains, id).Get(ct);
            return ApiResults.Ok(ProductContract.Options(product), product.Version);
        }
        if (!string.IsNullOrEmpty(id))
        {
            return await Get(http, grains, id, ct);
        }
        var shape = ListShape.Parse(http.Request);
        var query = NormaliseFilters(ListRequest.Parse(http.Request, Filters, ProductKeys.Statuses));
        var page = await grains.GetGrain<IProductDirectoryGrain>(http.Caller().Partition).List(query, ct);
        var items = new ListPage<JsonObject>([.. page.Items.Select(ProductContract.ToJson)], page.Total, page.NextCursor,
            page.PrevCursor, page.HasMore);
        return ApiResults.Ok(ListResponse.Build("products", items, query, shape));
    }

    private static async Task<IResult> Get(HttpContext http, IGrainFactory grains, string id, CancellationToken ct)
    {
        var shape = ListShape.Parse(http.Request);
        var product = await Product(http, grains, id).Get(ct);
        return ApiResults.Ok(ProductContract.Single(product, shape), product.Version);
    }

    private static async Task<IResult> Create(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var validateOnly = ResourceRequests.ValidateOnly(http.Request);
        var fields = ProductContract.Read(await RequestBody.ReadObjectAsync(http.Request, ct), creating: true);
        if (validateOnly)
        {
            ProductInputRules.CheckBillingCycle(fields.PriceType, fields.BillingCycle);
            return ApiResults.Ok(ResourceRequests.ValidationPassed);
        }
        var id = KeyedIds.New(http, ProductKeys.IdPrefix);
        var product = await grains.GetGrain<IProductGrain>(ProductKeys.Grain(http.Caller().Partition, id)).Create(fields);
        return ApiResults.Created(ProductContract.Single(product), product.Version);
    }

    private static async Task<IResult> Update(HttpContext http, IGrainFactory grains, string? id, CancellationToken ct)
    {
        var grain = Product(http, grains, id);
        var expected = Preconditions.RequireIfMatch(http.Request);
        var changes = ProductContract.Read(await RequestBody.ReadObjectAsync(http.Request, ct), creating: false);
        var product = await ResourceRequests.WithCurrentOnStale(() => grain.Update(changes, expected), () => Current(grain));
        return ApiResults.Ok(ProductContract.Single(product), product.Version);
    }

    private static async Task<IResult> Delete(HttpContext http, IGrainFactory grains, string? id)
    {
        var grain = Product(http, grains, id);
        var expected = Preconditions.RequireIfMatch(http.Request);
        await ResourceRequests.DeleteVersioned(() => grain.Delete(expected), () => Current(grain));
        return ApiResults.Ok(new ProductDeleted(id!, id!, true));
    }

    /// <summary><c>requires_booking</c> takes 1/0 (the document) or true/false; <c>type</c> must be a product type.</summary>
    private static ListQuery NormaliseFilters(ListQuery query)
    {
        if (query.Filters is null)
        {
            return query;
        }
        var filters = new Dictionary<string, string>(query.Filters);
        var errors = new Dictionary<string, FieldError>();
        if (filters.TryGetValue("requires_booking", out var booking))
        {
            switch (booking.ToLowerInvariant())
            {
                case "1" or "true": filters["requires_booking"] = "1"; break;
                case "0" or "false": filters["requires_booking"] = "0"; break;
                default: errors["requires_booking"] = new FieldError("invalid", "requires_booking must be 1 or 0"); break;
            }
        }
        if (filters.TryGetValue("type", out var type) && !ProductKeys.Types.Contains(type))
        {
            errors["type"] = new FieldError("invalid", $"type must be one of: {string.Join(", ", ProductKeys.Types)}");
        }
        return errors.Count > 0 ? throw new ApiException(ApiError.InvalidFields(errors)) : query with { Filters = filters };
    }

    /// <summary>The caller's product: its grain lives under the caller's partition, so other tenants' ids are not found.</summary>
    private static IProductGrain Product(HttpContext http, IGrainFactory grains, string? id)
    {
        var productId = ResourceRequests.RequireId(id, ProductKeys.IdPrefix, "Product");
        return grains.GetGrain<IProductGrain>(ProductKeys.Grain(http.Caller().Partition, productId));
    }

    private static async Task<object> Current(IProductGrain grain) => ProductContract.Single(await grain.Get());
}
