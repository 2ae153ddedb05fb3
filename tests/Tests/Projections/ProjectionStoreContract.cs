using Grains.Interfaces.Projections;
using Grains.Projections;
using Tests.Infrastructure;

namespace Tests.Projections;

/// <summary>
/// What every <see cref="IProjectionStore"/> must do, run against both stores (the concrete subclasses):
/// order, offset and cursor paging, every filter, search tokens, partition isolation, the version rule, delete.
/// Each test writes into partitions of its own, so stores may be shared between tests.
/// </summary>
public abstract class ProjectionStoreContract
{
    protected const string Customer = "customer";
    protected static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    protected readonly string Partition = $"ten_{Guid.NewGuid():N}:live";

    protected abstract Task<IProjectionStore> StoreAsync();

    protected static ProjectionRow Row(string partition, string id, DateTimeOffset created, string status = "active", long version = 1,
        DateTimeOffset? updated = null, Dictionary<string, string>? filters = null, string[]? tokens = null, decimal? amount = null,
        string type = Customer) =>
        new(partition, type, id, version, status, created, updated ?? created, filters ?? [], tokens ?? [],
            $$"""{"id":"{{id}}","v":{{version}}}""", amount);

    protected ProjectionRow Row(string id, DateTimeOffset created, string status = "active", long version = 1, DateTimeOffset? updated = null,
        Dictionary<string, string>? filters = null, string[]? tokens = null, decimal? amount = null) =>
        Row(Partition, id, created, status, version, updated, filters, tokens, amount);

    protected async Task<IProjectionStore> SeedAsync(params ProjectionRow[] rows)
    {
        var store = await StoreAsync();
        foreach (var row in rows)
        {
            await store.UpsertAsync(row);
        }

        return store;
    }

    protected Task<ListPage<ProjectionRow>> QueryAsync(IProjectionStore store, ListQuery query, params string[] tokens) =>
        store.QueryAsync(Partition, Customer, query, tokens.Length == 0 ? null : tokens);

    protected static string[] Ids(ListPage<ProjectionRow> page) => [.. page.Items.Select(r => r.Id)];

    /// <summary>23 rows, many sharing a timestamp (only 4 distinct created_at values, 3 updated_at values).</summary>
    private ProjectionRow[] CrowdedRows() =>
    [
        .. Enumerable.Range(0, 23).Select(i => Row($"cust_{i:D2}", T0.AddMinutes(i % 4), status: i % 3 == 0 ? "archived" : "active",
            updated: T0.AddHours(1).AddMinutes(-(i % 3)))),
    ];

    private static string[] ExpectedOrder(IEnumerable<ProjectionRow> rows, ListSort sort) =>
    [
        .. rows.OrderByDescending(r => sort == ListSort.UpdatedAt ? r.UpdatedAt : r.CreatedAt)
            .ThenByDescending(r => r.Id, StringComparer.Ordinal).Select(r => r.Id),
    ];

    [StoreFact]
    public async Task Lists_newest_first_with_ties_broken_by_id_descending()
    {
        var rows = CrowdedRows();
        var store = await SeedAsync(rows);

        foreach (var sort in new[] { ListSort.CreatedAt, ListSort.UpdatedAt })
        {
            var page = await QueryAsync(store, new ListQuery(Limit: 100, Sort: sort));
            Assert.Equal(ExpectedOrder(rows, sort), Ids(page));
            Assert.Equal(23, page.Total);
            Assert.False(page.HasMore);
            Assert.Null(page.NextCursor);
            Assert.Null(page.PrevCursor);
        }
    }

    [StoreFact]
    public async Task Offset_pages_cover_the_list_and_report_the_total()
    {
        var rows = CrowdedRows();
        var store = await SeedAsync(rows);
        var expected = ExpectedOrder(rows, ListSort.CreatedAt);

        var first = await QueryAsync(store, new ListQuery(Limit: 10));
        Assert.Equal(expected[..10], Ids(first));
        Assert.True(first.HasMore);
        Assert.NotNull(first.NextCursor);
        Assert.Null(first.PrevCursor);

        var middle = await QueryAsync(store, new ListQuery(Limit: 10, Offset: 10));
        Assert.Equal(expected[10..20], Ids(middle));
        Assert.NotNull(middle.PrevCursor);

        var last = await QueryAsync(store, new ListQuery(Limit: 10, Offset: 20));
        Assert.Equal(expected[20..], Ids(last));
        Assert.False(last.HasMore);
        Assert.Null(last.NextCursor);
        Assert.Equal(23, last.Total);

        var beyond = await QueryAsync(store, new ListQuery(Limit: 10, Offset: 50));
        Assert.Empty(beyond.Items);
        Assert.Equal(23, beyond.Total);

        // An offset page's next_cursor continues where the offset page ended.
        var continued = await QueryAsync(store, new ListQuery(Limit: 10, After: first.NextCursor));
        Assert.Equal(expected[10..20], Ids(continued));
    }

    [StoreFact]
    public async Task Cursor_pages_walk_forward_and_back_to_the_start_without_gaps_or_duplicates()
    {
        var rows = CrowdedRows();
        var store = await SeedAsync(rows);

        foreach (var sort in new[] { ListSort.CreatedAt, ListSort.UpdatedAt })
        {
            var forward = new List<ListPage<ProjectionRow>> { await QueryAsync(store, new ListQuery(Limit: 5, Sort: sort)) };
            while (forward[^1].NextCursor is { } next && forward.Count < 20)
            {
                forward.Add(await QueryAsync(store, new ListQuery(Limit: 5, Sort: sort, After: next)));
            }

            Assert.Equal(ExpectedOrder(rows, sort), forward.SelectMany(Ids));
            Assert.Equal([5, 5, 5, 5, 3], forward.Select(p => p.Items.Count));
            Assert.All(forward[..^1], p => Assert.True(p.HasMore));
            Assert.False(forward[^1].HasMore);
            Assert.All(forward, p => Assert.Equal(23, p.Total));
            Assert.Null(forward[0].PrevCursor);
            Assert.All(forward[1..], p => Assert.NotNull(p.PrevCursor));

            var backward = new List<ListPage<ProjectionRow>> { forward[^1] };
            while (backward[^1].PrevCursor is { } prev && backward.Count < 20)
            {
                backward.Add(await QueryAsync(store, new ListQuery(Limit: 5, Sort: sort, Before: prev)));
            }

            backward.Reverse();
            Assert.Equal(forward.Select(Ids), backward.Select(Ids));
            Assert.Null(backward[0].PrevCursor);
            // A page reached backwards still leads forward again.
            Assert.Equal(Ids(forward[1]), Ids(await QueryAsync(store, new ListQuery(Limit: 5, Sort: sort, After: backward[0].NextCursor))));
        }
    }

    [StoreFact]
    public async Task Cursor_pages_respect_filters()
    {
        var rows = CrowdedRows();
        var store = await SeedAsync(rows);
        var expected = ExpectedOrder(rows.Where(r => r.Status == "archived"), ListSort.CreatedAt);

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await QueryAsync(store, new ListQuery(Limit: 3, Status: "archived", After: cursor));
            Assert.Equal(expected.Length, page.Total);
            seen.AddRange(Ids(page));
            cursor = page.NextCursor;
        }
        while (cursor is not null && seen.Count <= 23);

        Assert.Equal(expected, seen);
    }

    [StoreFact]
    public async Task Filters_by_status_exact_filters_creation_range_and_amount()
    {
        var store = await SeedAsync(
            Row("a", T0, "active", filters: new() { ["type"] = "service", ["category"] = "software" }, amount: 10m),
            Row("b", T0.AddDays(1), "active", filters: new() { ["type"] = "service", ["category"] = "hardware" }, amount: 250.50m),
            Row("c", T0.AddDays(2), "inactive", filters: new() { ["type"] = "product" }, amount: 1000m),
            Row("d", T0.AddDays(3), "archived", filters: new() { ["type"] = "service" }),
            Row("e", T0.AddDays(4), "active", filters: new() { ["type"] = "Service", ["category"] = "software" }, amount: 250.5m));

        async Task Expect(ListQuery query, params string[] ids)
        {
            var page = await QueryAsync(store, query);
            Assert.Equal(ids, Ids(page));
            Assert.Equal(ids.Length, page.Total);
        }

        await Expect(new ListQuery(Status: "active"), "e", "b", "a");
        await Expect(new ListQuery(Status: "deleted"));
        await Expect(new ListQuery(Filters: new Dictionary<string, string> { ["type"] = "service" }), "d", "b", "a");
        await Expect(new ListQuery(Filters: new Dictionary<string, string> { ["type"] = "service", ["category"] = "software" }), "a");
        await Expect(new ListQuery(Filters: new Dictionary<string, string> { ["category"] = "software" }), "e", "a");
        await Expect(new ListQuery(Filters: new Dictionary<string, string> { ["family"] = "x" }));
        await Expect(new ListQuery(Status: "active", Filters: new Dictionary<string, string> { ["type"] = "service" }), "b", "a");
        // Creation range is [created_after, created_before).
        await Expect(new ListQuery(CreatedAfter: T0.AddDays(1), CreatedBefore: T0.AddDays(3)), "c", "b");
        await Expect(new ListQuery(CreatedAfter: T0.AddDays(4)), "e");
        await Expect(new ListQuery(CreatedBefore: T0.AddDays(1)), "a");
        // Amount range is inclusive; rows without an amount never match a range.
        await Expect(new ListQuery(MinAmount: 250.5m), "e", "c", "b");
        await Expect(new ListQuery(MaxAmount: 250.50m), "e", "b", "a");
        await Expect(new ListQuery(MinAmount: 11m, MaxAmount: 999.99m), "e", "b");
        await Expect(new ListQuery(MinAmount: 0m, Status: "archived"));
    }

    [StoreFact]
    public async Task Search_matches_rows_that_carry_every_token()
    {
        var store = await SeedAsync(
            Row("a", T0, tokens: ["n:jane", "n:smith", "e:jane@example.com"]),
            Row("b", T0.AddMinutes(1), tokens: ["n:john", "n:smith"]),
            Row("c", T0.AddMinutes(2), tokens: ["n:jane", "n:doe"]),
            Row("d", T0.AddMinutes(3)));

        Assert.Equal(["b", "a"], Ids(await QueryAsync(store, new ListQuery(), "n:smith")));
        Assert.Equal(["a"], Ids(await QueryAsync(store, new ListQuery(), "n:smith", "n:jane")));
        Assert.Empty(Ids(await QueryAsync(store, new ListQuery(), "n:smith", "n:doe")));
        Assert.Empty(Ids(await QueryAsync(store, new ListQuery(), "n:SMITH")));
        var page = await QueryAsync(store, new ListQuery(Limit: 1), "n:jane");
        Assert.Equal(["c"], Ids(page));
        Assert.Equal(2, page.Total);
        Assert.Equal(["d", "c", "b", "a"], Ids(await store.QueryAsync(Partition, Customer, new ListQuery(), [])));
    }

    [StoreFact]
    public async Task Another_partition_or_resource_type_never_appears()
    {
        var otherTenant = $"ten_{Guid.NewGuid():N}:live";
        var otherEnvironment = Partition.Replace(":live", ":test", StringComparison.Ordinal);
        var store = await SeedAsync(
            Row("cust_1", T0, tokens: ["t"]),
            Row(otherTenant, "cust_1", T0.AddDays(1), version: 9, tokens: ["t"]),
            Row(otherTenant, "cust_2", T0.AddDays(2), tokens: ["t"]),
            Row(otherEnvironment, "cust_3", T0.AddDays(3), tokens: ["t"]),
            Row(Partition, "prod_1", T0.AddDays(4), tokens: ["t"], type: "product"));

        var page = await QueryAsync(store, new ListQuery(), "t");
        var row = Assert.Single(page.Items);
        Assert.Equal(("cust_1", 1L, Partition), (row.Id, row.Version, row.Partition));
        Assert.Equal(1, page.Total);
        Assert.Equal(["cust_2", "cust_1"], Ids(await store.QueryAsync(otherTenant, Customer, new ListQuery(), null)));
        Assert.Equal(["prod_1"], Ids(await store.QueryAsync(Partition, "product", new ListQuery(), null)));
        Assert.Empty((await store.QueryAsync($"ten_{Guid.NewGuid():N}:live", Customer, new ListQuery(), null)).Items);

        await store.DeleteAsync(otherTenant, Customer, "cust_1");
        Assert.Single((await QueryAsync(store, new ListQuery())).Items);
    }

    [StoreFact]
    public async Task A_write_with_an_older_or_equal_version_is_ignored()
    {
        var store = await SeedAsync(Row("a", T0, "active", version: 2));

        await store.UpsertAsync(Row("a", T0, "archived", version: 1));
        await store.UpsertAsync(Row("a", T0, "inactive", version: 2));
        Assert.Equal(("active", 2L), Single(await QueryAsync(store, new ListQuery())));

        await store.UpsertAsync(Row("a", T0, "archived", version: 3, updated: T0.AddHours(1), amount: 5m));
        Assert.Equal(("archived", 3L), Single(await QueryAsync(store, new ListQuery())));
        Assert.Equal(T0.AddHours(1), (await QueryAsync(store, new ListQuery())).Items[0].UpdatedAt);

        static (string, long) Single(ListPage<ProjectionRow> page) => (Assert.Single(page.Items).Status, page.Items[0].Version);
    }

    [StoreFact]
    public async Task Totals_follow_inserts_status_changes_ignored_writes_and_deletes()
    {
        var store = await SeedAsync(Row("a", T0), Row("b", T0, "inactive"), Row("c", T0));

        async Task Expect(long all, long active, long inactive)
        {
            Assert.Equal(all, (await QueryAsync(store, new ListQuery(Limit: 1))).Total);
            Assert.Equal(active, (await QueryAsync(store, new ListQuery(Limit: 1, Status: "active"))).Total);
            Assert.Equal(inactive, (await QueryAsync(store, new ListQuery(Limit: 1, Status: "inactive"))).Total);
        }

        await Expect(3, 2, 1);
        await store.UpsertAsync(Row("a", T0, "inactive", version: 2));
        await Expect(3, 1, 2);
        await store.UpsertAsync(Row("a", T0, "active", version: 1));
        await store.UpsertAsync(Row("c", T0, "active", version: 2));
        await Expect(3, 1, 2);
        await store.DeleteAsync(Partition, Customer, "b");
        await store.DeleteAsync(Partition, Customer, "b");
        await Expect(2, 1, 1);
        await store.UpsertAsync(Row("b", T0, "active", version: 1));
        await Expect(3, 2, 1);
    }

    [StoreFact]
    public async Task Delete_removes_the_row_and_tolerates_unknown_ids()
    {
        var store = await SeedAsync(Row("a", T0), Row("b", T0.AddMinutes(1)));

        await store.DeleteAsync(Partition, Customer, "a");
        await store.DeleteAsync(Partition, Customer, "never_existed");
        await store.DeleteAsync($"ten_{Guid.NewGuid():N}:live", Customer, "b");

        var page = await QueryAsync(store, new ListQuery());
        Assert.Equal(["b"], Ids(page));
        Assert.Equal(1, page.Total);
    }

    [StoreFact]
    public async Task A_row_reads_back_as_written()
    {
        var written = Row("cust_é", T0.AddTicks(1234567), "inactive", version: 7, updated: T0.AddDays(2),
            filters: new() { ["type"] = "service", ["quote\"d"] = "ü" }, tokens: ["x", "y"], amount: 1234.5678m) with
        {
            Document = """{ "name" : "Jane",  "z":1, "a":{"b":[1,2]} }""",
        };
        var store = await SeedAsync(written);

        var read = Assert.Single((await QueryAsync(store, new ListQuery())).Items);
        Assert.Equal((written.Partition, written.ResourceType, written.Id, written.Version, written.Status),
            (read.Partition, read.ResourceType, read.Id, read.Version, read.Status));
        // Stored at microsecond precision, as PostgreSQL's timestamptz keeps it.
        Assert.Equal(T0.AddTicks(1234560), read.CreatedAt);
        Assert.Equal(TimeSpan.Zero, read.CreatedAt.Offset);
        Assert.Equal(written.UpdatedAt, read.UpdatedAt);
        Assert.Equal(written.Filters.OrderBy(f => f.Key), read.Filters.OrderBy(f => f.Key));
        Assert.Equal(written.SearchTokens, read.SearchTokens);
        Assert.Equal(written.Document, read.Document);
        Assert.Equal(1234.5678m, read.Amount);

        // A cursor built from the read row finds the row's neighbours exactly.
        await store.UpsertAsync(Row("cust_z", read.CreatedAt.AddTicks(-10)));
        var after = await QueryAsync(store, new ListQuery(After: ListCursor.For(read, ListSort.CreatedAt).Encode()));
        Assert.Equal(["cust_z"], Ids(after));
    }

    [StoreFact]
    public async Task Concurrent_upserts_written_together_read_back_as_written_and_keep_each_rows_newest_version()
    {
        var store = await StoreAsync();
        // Many writers at once (so the PostgreSQL store writes them in shared statements), three versions per row in
        // scrambled order, ragged token lists, filters, amounts and nulls.
        var rows = Enumerable.Range(0, 60).SelectMany(i => new[] { 2L, 1L, 3L }.Select(version =>
            Row($"cust_{i:D2}", T0.AddMinutes(i).AddTicks(10 * i), status: version == 3 ? (i % 2 == 0 ? "active" : "archived") : "draft",
                version: version, updated: T0.AddHours(version),
                filters: new() { ["type"] = $"t{i % 3}", ["v"] = $"{version}" },
                tokens: [.. Enumerable.Range(0, i % 4).Select(t => $"tok{t}v{version}")],
                amount: i % 5 == 0 ? null : i * 1.25m + version))).ToArray();
        await Task.WhenAll(rows.Select(r => store.UpsertAsync(r)));

        var page = await QueryAsync(store, new ListQuery(Limit: 100));
        Assert.Equal(60, page.Total);
        foreach (var expected in rows.Where(r => r.Version == 3))
        {
            var read = Assert.Single(page.Items, r => r.Id == expected.Id);
            Assert.Equal((expected.Version, expected.Status, expected.UpdatedAt, expected.Amount, expected.Document),
                (read.Version, read.Status, read.UpdatedAt, read.Amount, read.Document));
            Assert.Equal(expected.CreatedAt.AddTicks(-(expected.CreatedAt.Ticks % 10)), read.CreatedAt);
            Assert.Equal(expected.SearchTokens, read.SearchTokens);
            Assert.Equal(expected.Filters.OrderBy(f => f.Key), read.Filters.OrderBy(f => f.Key));
        }
        Assert.Equal(30, (await QueryAsync(store, new ListQuery(Status: "archived", Limit: 100))).Total);
        // Rows with three tokens (i % 4 == 3) carry both; the older versions' tokens are gone.
        var searched = await QueryAsync(store, new ListQuery(Limit: 100), "tok2v3", "tok0v3");
        Assert.Equal(15, searched.Total);
        Assert.All(Ids(searched), id => Assert.Equal(3, int.Parse(id[5..], System.Globalization.CultureInfo.InvariantCulture) % 4));
        Assert.Equal(0, (await QueryAsync(store, new ListQuery(Limit: 100), "tok0v2")).Total);
    }

    [StoreFact]
    public async Task An_empty_list_has_no_cursors()
    {
        var store = await StoreAsync();
        var page = await QueryAsync(store, new ListQuery());
        Assert.Empty(page.Items);
        Assert.Equal(0, page.Total);
        Assert.False(page.HasMore);
        Assert.Null(page.NextCursor);
        Assert.Null(page.PrevCursor);
    }

    [StoreFact]
    public async Task Bad_paging_arguments_are_argument_exceptions()
    {
        var store = await SeedAsync(Row("a", T0));
        var updatedCursor = new ListCursor(ListSort.UpdatedAt, T0, "a").Encode();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => QueryAsync(store, new ListQuery(After: "not-a-cursor")));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => QueryAsync(store, new ListQuery(Before: "AQ")));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => QueryAsync(store, new ListQuery(After: updatedCursor)));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => QueryAsync(store, new ListQuery(Sort: ListSort.UpdatedAt, After: updatedCursor, Before: updatedCursor)));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => QueryAsync(store, new ListQuery(Limit: 0)));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => QueryAsync(store, new ListQuery(Limit: int.MaxValue)));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => QueryAsync(store, new ListQuery(Offset: -1)));
    }
}
