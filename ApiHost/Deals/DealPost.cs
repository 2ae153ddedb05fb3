namespace ApiHost.Deals;

/// <summary>A POST on <c>/deals</c> as routing bound it: the query parameters the actions read.</summary>
public sealed record DealPost(HttpContext Http, IGrainFactory Grains, string? Id, string? ItemId, string? Status, CancellationToken Ct);

/// <summary>Handles one POST action.</summary>
public delegate Task<IResult> DealPostHandler(DealPost post);
