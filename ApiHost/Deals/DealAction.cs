using System.Text.Json;
using ApiHost.Api;
using Grains.Interfaces.Deals;

namespace ApiHost.Deals;

/// <summary>
/// A POST action on one deal, prepared once for every such action: the caller's grain (400/404 on a bad id first),
/// the actor, the optional If-Match version, and the (optional) JSON body with a field reader over it.
/// </summary>
public sealed record DealAction(DealPost Post, IDealGrain Grain, DealActor Actor, long? Expected, JsonElement Body, FieldReader Fields)
{
    public HttpContext Http => Post.Http;

    public static async Task<DealAction> PrepareAsync(DealPost post)
    {
        var grain = DealRequests.Deal(post.Http, post.Grains, post.Id);
        var actor = DealRequests.Actor(post.Http);
        var expected = Preconditions.OptionalIfMatch(post.Http.Request);
        var body = await RequestBody.ReadOptionalObjectAsync(post.Http.Request, post.Ct);
        return new DealAction(post, grain, actor, expected, body, new FieldReader(body));
    }

    /// <summary>A versioned write: a stale If-Match answers 412 with the deal as it is now.</summary>
    public Task<DealView> Versioned(Func<IDealGrain, long?, DealActor, Task<DealView>> write) =>
        DealRequests.WithCurrentOnStale(Grain, () => write(Grain, Expected, Actor));
}
