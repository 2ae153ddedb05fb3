using System.Text.Json;
using ApiHost.Api;
using ApiHost.Api.Lists;
using Grains.Interfaces.Projections;
using Grains.Projections;
using Microsoft.AspNetCore.Http;

namespace Tests.Projections;

/// <summary>The document's list parameters read from the query string, and every way they can be wrong.</summary>
public sealed class ListRequestTests
{
    private static readonly string[] ProductFilters = ["type", "category", "family", "requires_booking"];
    private static readonly string[] Statuses = ["active", "inactive", "archived"];

    internal static HttpRequest Request(string queryString)
    {
        var context = new DefaultHttpContext();
        context.Request.QueryString = new QueryString(queryString);
        return context.Request;
    }

    private static ListQuery Parse(string queryString, IReadOnlyCollection<string>? statuses = null) =>
        ListRequest.Parse(Request(queryString), ProductFilters, statuses);

    /// <summary>The 400's details.fields as the client sees it: parameter → code.</summary>
    internal static Dictionary<string, string> FieldErrors(Action parse)
    {
        var error = Assert.Throws<ApiException>(parse).Error;
        Assert.Equal(400, error.Status);
        Assert.Equal("validation_error.invalid_fields", error.Code);
        var details = JsonSerializer.SerializeToElement(error.Details, ApiJson.Options);
        return details.GetProperty("fields").EnumerateObject()
            .ToDictionary(field => field.Name, field => field.Value.GetProperty("code").GetString()!);
    }

    private static string Cursor(ListSort sort = ListSort.CreatedAt) =>
        new ListCursor(sort, new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero), "cust_1").Encode();

    [Fact]
    public void No_parameters_give_the_documented_defaults()
    {
        Assert.Equal(new ListQuery(Limit: 50, Offset: 0, Sort: ListSort.CreatedAt), Parse(""));
    }

    [Fact]
    public void Every_parameter_is_read()
    {
        var query = Parse("?limit=20&offset=40&sort=updated_at&status=active&search=%20jane%20smith%20"
            + "&created_after=2026-01-01&created_before=2026-02-01T10:00:00+10:00&min_value=10.5&max_value=99"
            + "&type=service&category=software&unknown=x&id=prod_1", Statuses);

        Assert.Equal((20, 40, ListSort.UpdatedAt, "active", "jane smith"), (query.Limit, query.Offset, query.Sort, query.Status, query.Search));
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), query.CreatedAfter);
        // An unencoded '+' arrives as a space; the offset still counts.
        Assert.Equal(new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero), query.CreatedBefore);
        Assert.Equal((10.5m, 99m), (query.MinAmount, query.MaxAmount));
        Assert.Equal(new Dictionary<string, string> { ["type"] = "service", ["category"] = "software" }, query.Filters);
    }

    [Theory]
    [InlineData("?limit=0", "limit", "out_of_range")]
    [InlineData("?limit=101", "limit", "out_of_range")]
    [InlineData("?limit=-5", "limit", "out_of_range")]
    [InlineData("?limit=99999999999999", "limit", "out_of_range")]
    [InlineData("?limit=ten", "limit", "invalid")]
    [InlineData("?limit=1.5", "limit", "invalid")]
    [InlineData("?limit=5&limit=6", "limit", "invalid")]
    [InlineData("?offset=-1", "offset", "out_of_range")]
    [InlineData("?offset=x", "offset", "invalid")]
    [InlineData("?sort=name", "sort", "invalid")]
    [InlineData("?after=%25%25%25", "after", "invalid")]
    [InlineData("?before=AAAA", "before", "invalid")]
    [InlineData("?created_after=yesterday", "created_after", "invalid")]
    [InlineData("?created_before=2026-13-45", "created_before", "invalid")]
    [InlineData("?min_value=abc", "min_value", "invalid")]
    [InlineData("?min_value=10&max_value=5", "max_value", "out_of_range")]
    [InlineData("?status=deleted", "status", "invalid")]
    [InlineData("?category=", null, null)]
    public void A_bad_parameter_is_a_400_naming_it(string queryString, string? parameter, string? code)
    {
        if (parameter is null)
        {
            Assert.Null(Parse(queryString, Statuses).Filters);
            return;
        }

        var errors = FieldErrors(() => Parse(queryString, Statuses));
        Assert.Equal(code, Assert.Contains(parameter, errors));
    }

    [Fact]
    public void Overlong_search_and_filter_values_are_too_long()
    {
        var errors = FieldErrors(() => Parse($"?search={new string('s', 256)}&category={new string('c', 256)}"));
        Assert.Equal("too_long", errors["search"]);
        Assert.Equal("too_long", errors["category"]);
        Assert.Equal(new string('s', 255), Parse($"?search={new string('s', 255)}").Search);
    }

    [Fact]
    public void All_problems_are_reported_at_once()
    {
        var errors = FieldErrors(() => Parse("?limit=0&offset=-3&sort=x&after=bad"));
        Assert.Equal(["after", "limit", "offset", "sort"], errors.Keys.Order());
    }

    [Fact]
    public void Cursors_are_validated_and_offset_is_ignored_with_them()
    {
        var cursor = Cursor();
        var query = Parse($"?after={cursor}&offset=100&limit=10");
        Assert.Equal((cursor, 0, 10), (query.After, query.Offset, query.Limit));

        Assert.Equal(cursor, Parse($"?before={cursor}").Before);
        Assert.Equal("invalid", FieldErrors(() => Parse($"?after={cursor}&before={cursor}"))["before"]);
    }

    [Fact]
    public void A_cursor_continues_its_own_sort_and_may_not_contradict_an_explicit_one()
    {
        var updated = Cursor(ListSort.UpdatedAt);
        Assert.Equal(ListSort.UpdatedAt, Parse($"?after={updated}").Sort);
        Assert.Equal(ListSort.UpdatedAt, Parse($"?after={updated}&sort=updated_at").Sort);
        Assert.Equal("invalid", FieldErrors(() => Parse($"?after={updated}&sort=created_at"))["after"]);
        Assert.Equal("invalid", FieldErrors(() => Parse($"?before={Cursor()}&sort=updated_at"))["before"]);
    }

    [Fact]
    public void Status_is_free_text_unless_the_endpoint_names_its_statuses()
    {
        Assert.Equal("whatever", Parse("?status=whatever").Status);
        Assert.Equal("archived", Parse("?status=archived", Statuses).Status);
    }

    [Fact]
    public void Cursor_round_trips_and_rejects_anything_else()
    {
        var cursor = new ListCursor(ListSort.UpdatedAt, new DateTimeOffset(2026, 3, 1, 1, 2, 3, TimeSpan.Zero).AddTicks(7), "deal_ü/+=");
        Assert.True(ListCursor.TryDecode(cursor.Encode(), out var decoded));
        Assert.Equal(cursor, decoded);
        Assert.DoesNotContain('+', cursor.Encode());
        Assert.DoesNotContain('/', cursor.Encode());

        string?[] bad = [null, "", "x", "%%%", "AAAAAAAAAAAAAAAA", Convert.ToBase64String(new byte[20]), new string('A', 2000),
            cursor.Encode()[..^2]];
        Assert.All(bad, text => Assert.False(ListCursor.TryDecode(text, out _)));
    }
}
