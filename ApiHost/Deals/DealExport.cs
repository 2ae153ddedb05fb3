using System.Globalization;
using System.Text;
using ApiHost.Api;
using ApiHost.Api.Lists;
using ApiHost.Auth;
using CsvHelper;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Money;
using Grains.Interfaces.Projections;
using Grains.Interfaces.RateLimiting;

namespace ApiHost.Deals;

/// <summary>
/// <c>GET /deals?action=export&amp;format=csv|json|jsonl</c>: the list filters, streamed page by page from the projection
/// without the envelope. 10 exports per hour per tenant+environment (a per-endpoint limiter grain).
/// </summary>
public static class DealExport
{
    public const int PerHour = 10;

    /// <summary>A bound on one export; a larger result says so in <c>X-Export-Truncated</c>.</summary>
    public const int MaxRows = 100_000;

    private static readonly string[] Formats = ["csv", "json", "jsonl"];

    private static readonly string[] Columns =
    [
        "deal_id", "title", "status", "customer_id", "currency", "deal_type", "billing_cycle", "tax_rate", "subtotal", "discount_total",
        "tax", "total", "line_items", "signatures", "created_at", "updated_at", "closed_at",
    ];

    public static async Task<IResult> Export(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var (format, query, signedOnly) = Read(http.Request);
        var partition = http.Caller().Partition;
        await TakeExportSlot(grains, partition);
        var directory = grains.GetGrain<IDealDirectoryGrain>(partition);
        return Results.Stream(body => Write(body, format, Deals(directory, query, signedOnly, ct), ct), ContentType(format), $"deals.{format}");
    }

    /// <summary>The format, and the list query; <c>status=signed</c> (the document's example) is a rule, not a stored status.</summary>
    private static (string Format, ListQuery Query, bool SignedOnly) Read(HttpRequest request)
    {
        var reader = new ListRequest.QueryReader(request.Query);
        var format = reader.OneOf("format", Formats) ?? "csv";
        reader.ThrowIfInvalid();
        var signedOnly = request.Query["status"].ToString() == DealSigning.SignedFilter;
        if (signedOnly)
        {
            request.Query = new QueryCollection(request.Query.Where(q => q.Key != "status").ToDictionary(q => q.Key, q => q.Value));
        }
        var query = ListRequest.Parse(request, DealQueries.ListFilters, DealStatuses.All) with { Limit = 100, Offset = 0 };
        return (format, query, signedOnly);
    }

    private static async Task TakeExportSlot(IGrainFactory grains, string partition)
    {
        var grant = await grains.GetGrain<IRateLimiterGrain>(RateLimitSubjects.Endpoint("deals-export", partition))
            .Lease(new LeaseRequest(1, new LimitSpec(PerHour, TimeSpan.FromHours(1))));
        if (grant.Granted == 0)
        {
            throw new ApiException(ApiError.RateLimited(grant.RetryAfterSeconds, $"Deal exports are limited to {PerHour} per hour"));
        }
    }

    /// <summary>The matching deals page by page (cursor order), at most <see cref="MaxRows"/>.</summary>
    private static async IAsyncEnumerable<DealView> Deals(IDealDirectoryGrain directory, ListQuery query, bool signedOnly,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var rows = 0;
        var page = query;
        while (rows < MaxRows)
        {
            var result = await directory.List(page, ct);
            foreach (var deal in result.Items.Where(d => !signedOnly || DealSigning.IsFullySigned(d)))
            {
                rows++;
                yield return deal;
            }
            if (!result.HasMore || result.NextCursor is null)
            {
                yield break;
            }
            page = page with { After = result.NextCursor, Before = null };
        }
    }

    private static async Task Write(Stream body, string format, IAsyncEnumerable<DealView> deals, CancellationToken ct)
    {
        await using var writer = new StreamWriter(body, new UTF8Encoding(false));
        if (format == "csv")
        {
            await WriteCsv(writer, deals, ct);
        }
        else
        {
            await WriteJson(writer, deals, lines: format == "jsonl");
        }
        await writer.FlushAsync(ct);
    }

    private static async Task WriteCsv(StreamWriter writer, IAsyncEnumerable<DealView> deals, CancellationToken ct)
    {
        await using var csv = CsvWriter.Create(writer, null, leaveOpen: true);
        await csv.WriteRecordAsync(Columns, ct);
        await foreach (var deal in deals)
        {
            await csv.WriteRecordAsync([.. Row(deal).Select(v => v ?? "")], ct);
        }
        await csv.FlushAsync(ct);
    }

    /// <summary>A JSON array, or (<paramref name="lines"/>) one deal object per line.</summary>
    private static async Task WriteJson(StreamWriter writer, IAsyncEnumerable<DealView> deals, bool lines)
    {
        var first = true;
        if (!lines)
        {
            await writer.WriteAsync('[');
        }
        await foreach (var deal in deals)
        {
            if (!lines && !first)
            {
                await writer.WriteAsync(',');
            }
            await writer.WriteAsync(DealContract.ToJson(deal).ToJsonString(ApiJson.Options));
            if (lines)
            {
                await writer.WriteAsync('\n');
            }
            first = false;
        }
        if (!lines)
        {
            await writer.WriteAsync(']');
        }
    }

    private static string ContentType(string format) => format switch
    {
        "csv" => "text/csv; charset=utf-8",
        "jsonl" => "application/x-ndjson",
        _ => "application/json",
    };

    private static IEnumerable<string?> Row(DealView d)
    {
        string Money(decimal amount) => MoneyFormat.Amount(amount, d.Currency);
        yield return d.Id;
        yield return d.Title;
        yield return d.Status;
        yield return d.CustomerId;
        yield return d.Currency;
        yield return d.DealType;
        yield return d.BillingCycle;
        yield return TaxRates.Format(d.TaxRate);
        yield return Money(d.Pricing.Subtotal);
        yield return Money(d.Pricing.DiscountTotal);
        yield return Money(d.Pricing.Tax);
        yield return Money(d.Pricing.Total);
        yield return d.Items.Count.ToString(CultureInfo.InvariantCulture);
        yield return d.Signatures.Count.ToString(CultureInfo.InvariantCulture);
        yield return d.CreatedAt.ToString("O", CultureInfo.InvariantCulture);
        yield return d.UpdatedAt.ToString("O", CultureInfo.InvariantCulture);
        yield return d.ClosedAt?.ToString("O", CultureInfo.InvariantCulture);
    }
}
