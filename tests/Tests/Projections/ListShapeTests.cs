using System.Text.Json;
using System.Text.Json.Nodes;
using ApiHost.Api;
using ApiHost.Api.Lists;
using Grains.Interfaces.Projections;

namespace Tests.Projections;

/// <summary><c>fields</c>, <c>include</c>, <c>exclude</c>, <c>format=minimal</c>, and the list data object.</summary>
public sealed class ListShapeTests
{
    private sealed record LineItem(string ProductId, decimal UnitPrice, decimal Cost);

    private sealed record DealView(string Id, string Status, string Title, decimal TotalAmount, DateTimeOffset UpdatedAt,
        IReadOnlyList<LineItem> LineItems, JsonObject Pricing);

    private static readonly DateTimeOffset At = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static DealView Deal(string id = "deal_1") => new(id, "draft", "Big deal", 990m, At,
        [new LineItem("prod_1", 100m, 40m), new LineItem("prod_2", 200m, 80m)],
        new JsonObject { ["subtotal"] = "900.00", ["tax"] = new JsonObject { ["rate"] = 0.1, ["amount"] = "90.00" } });

    private static ListShape Shape(string queryString) => ListShape.Parse(ListRequestTests.Request(queryString));

    private static string[] Keys(JsonObject item) => [.. item.Select(p => p.Key)];

    [Fact]
    public void Without_parameters_items_are_serialized_as_the_api_does()
    {
        var item = Shape("").Apply(Deal());
        Assert.Equal(["id", "status", "title", "total_amount", "updated_at", "line_items", "pricing"], Keys(item));
        Assert.Equal(JsonSerializer.Serialize(Deal(), ApiJson.Options), item.ToJsonString(ApiJson.Options));
    }

    [Fact]
    public void Fields_keep_only_the_named_fields_and_always_the_id()
    {
        Assert.Equal(["status", "total_amount"], Keys(Shape("?fields=status,total_amount,nope").Apply(Deal()))[1..]);
        Assert.Equal(["id", "title"], Keys(Shape("?fields=%20title%20,").Apply(Deal())));
    }

    [Fact]
    public void Minimal_keeps_id_status_and_updated_at_whatever_else_is_asked()
    {
        var item = Shape("?format=minimal&fields=title&include=line_items").Apply(Deal());
        Assert.Equal(["id", "status", "updated_at"], Keys(item));
        Assert.Equal("2026-03-01T09:00:00+00:00", item["updated_at"]!.GetValue<string>());
    }

    [Fact]
    public void Exclude_removes_fields_and_nested_keys_including_inside_arrays()
    {
        var item = Shape("?exclude=title,pricing.tax.amount,line_items.cost,missing.key").Apply(Deal());
        Assert.DoesNotContain("title", Keys(item));
        Assert.Equal("""{"subtotal":"900.00","tax":{"rate":0.1}}""", item["pricing"]!.ToJsonString());
        Assert.All(item["line_items"]!.AsArray(), line => Assert.Equal(["product_id", "unit_price"], Keys(line!.AsObject())));
    }

    [Fact]
    public void Include_is_handed_to_the_endpoint_which_asks_what_to_load()
    {
        var shape = Shape("?include=deals,activity_log&exclude=activity_log");
        Assert.Equal(["activity_log", "deals"], shape.Include.Order());
        Assert.True(shape.Wants("deals"));
        Assert.False(shape.Wants("activity_log"));
        Assert.False(shape.Wants("contracts"));
        Assert.True(shape.Wants("contracts", byDefault: true));
        Assert.False(Shape("?fields=id,name&include=deals").Wants("deals"));
        Assert.False(Shape("?format=minimal").Wants("deals", byDefault: true));
    }

    [Theory]
    [InlineData("?format=full", "format")]
    [InlineData("?fields=id;drop", "fields")]
    [InlineData("?include=a%20b", "include")]
    [InlineData("?exclude=a..b", "exclude")]
    public void Bad_shaping_parameters_are_a_400(string queryString, string parameter)
    {
        var errors = ListRequestTests.FieldErrors(() => Shape(queryString));
        Assert.Equal("invalid", errors[parameter]);
    }

    [Fact]
    public void The_list_data_names_the_collection_and_carries_the_pagination()
    {
        var page = new ListPage<DealView>([Deal("deal_2"), Deal("deal_1")], 42, "next", null, true);
        var data = ListResponse.Build("deals", page, new ListQuery(Limit: 2, Offset: 10), Shape("?fields=title"));

        Assert.Equal("""
            {"deals":[{"id":"deal_2","title":"Big deal"},{"id":"deal_1","title":"Big deal"}],"pagination":{"total":42,"limit":2,"offset":10,"count":2,"has_more":true,"next_cursor":"next","prev_cursor":null}}
            """, data.ToJsonString(ApiJson.Options));
    }

    [Fact]
    public void A_cursor_page_reports_offset_zero()
    {
        var page = new ListPage<DealView>([], 0, null, null, false);
        var data = ListResponse.Build("customers", page, new ListQuery(Offset: 0, After: "abc"), ListShape.Full);
        Assert.Equal("""{"customers":[],"pagination":{"total":0,"limit":50,"offset":0,"count":0,"has_more":false,"next_cursor":null,"prev_cursor":null}}""",
            data.ToJsonString(ApiJson.Options));
    }
}
