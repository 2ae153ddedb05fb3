using System.Globalization;
using System.Text;
using System.Text.Json;
using ApiHost.Api;
using ApiHost.Api.Lists;
using ApiHost.Auth;
using CsvHelper;
using Grains.Deals.Pricing;
using Grains.Interfaces.Deals;
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
        var reader = new ListRequest.QueryReader(http.Request.Query);
        var format = reader.OneOf("format", Formats) ?? "csv";
        reader.ThrowIfInvalid();
        // status=signed appears in the document's example: deals carrying both signatures.
        var signedOnly = http.Request.Query["status"].ToString() == "signed";
        var query = ListRequest.Parse(RequestWithout(http.Request, signedOnly), DealQueries.ListFilters, DealStatuses.All) with { Limit = 100, Offset = 0 };
        var partition = http.Caller().Partition;

        var grant = await grains.GetGrain<IRateLimiterGrain>(RateLimitSubjects.Endpoint("deals-export", partition))
            .Lease(new LeaseRequest(1, new LimitSpec(PerHour, TimeSpan.FromHours(1))));
        if (grant.Granted == 0)
        {
            throw new ApiException(ApiError.RateLimited(grant.RetryAfterSeconds, $"Deal exports are limited to {PerHour} per hour"));
        }

        var directory = grains.GetGrain<IDealDirectoryGrain>(partition);
        return Results.Stream(async body =>
        {
            await using var writer = new StreamWriter(body, new UTF8Encoding(false));
            var rows = 0;
            var first = true;
            await using var csv = format == "csv" ? CsvWriter.Create(writer, null, leaveOpen: true) : null;
            if (csv is not null)
            {
                await csv.WriteRecordAsync(Columns, ct);
            }
            else if (format == "json")
            {
                await writer.WriteAsync('[');
            }
            var page = query;
            while (rows < MaxRows)
            {
                var result = await directory.List(page, ct);
                foreach (var deal in result.Items.Where(d => !signedOnly || d.Signatures.Count >= 2))
                {
                    rows++;
                    if (csv is not null)
                    {
                        await csv.WriteRecordAsync([.. Row(deal).Select(v => v ?? "")], ct);
                    }
                    else
                    {
                        if (format == "json" && !first)
                        {
                            await writer.WriteAsync(',');
                        }
                        await writer.WriteAsync(DealContract.ToJson(deal).ToJsonString(ApiJson.Options));
                        if (format == "jsonl")
                        {
                            await writer.WriteAsync('\n');
                        }
                    }
                    first = false;
                }
                if (!result.HasMore || result.NextCursor is null)
                {
                    break;
                }
                page = page with { After = result.NextCursor, Before = null };
            }
            if (format == "json")
            {
                await writer.WriteAsync(']');
            }
            if (csv is not null)
            {
                await csv.FlushAsync(ct);
            }
            await writer.FlushAsync(ct);
        }, format switch
        {
            "csv" => "text/csv; charset=utf-8",
            "jsonl" => "application/x-ndjson",
            _ => "application/json",
        }, $"deals.{format}");
    }

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
        yield return Grains.Deals.DealRecords.TaxRate(d.TaxRate);
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

    /// <summary>The request as the list parser should see it: <c>status=signed</c> is not a stored status.</summary>
    private static HttpRequest RequestWithout(HttpRequest request, bool signedOnly)
    {
        if (signedOnly)
        {
            request.Query = new QueryCollection(request.Query.Where(q => q.Key != "status").ToDictionary(q => q.Key, q => q.Value));
        }
        return request;
    }
}
