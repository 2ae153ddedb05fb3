namespace ApiHost.Api.Lists;

/// <summary><c>limit</c> (1..100, default 50) and <c>offset</c> (≥ 0, default 0) as every list reads them.</summary>
public sealed record ListPaging(int Limit, int Offset)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 100;

    internal static ListPaging Read(ListRequest.QueryReader query) =>
        new(ReadLimit(query), query.Integer("offset", 0, int.MaxValue) ?? 0);

    /// <summary>Lists resumed by their own position (the event log's <c>since_sequence</c>) read only the limit.</summary>
    internal static int ReadLimit(ListRequest.QueryReader query) => query.Integer("limit", 1, MaxLimit) ?? DefaultLimit;
}
