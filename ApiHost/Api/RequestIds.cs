using System.Security.Cryptography;

namespace ApiHost.Api;

/// <summary>The request's reference (<c>ref</c> in errors, <c>X-Request-Id</c> header), for support and logs.</summary>
public static class RequestIds
{
    private const string ItemKey = "api.request_id";

    public static string Of(HttpContext context)
    {
        if (context.Items.TryGetValue(ItemKey, out var existing) && existing is string id)
        {
            return id;
        }
        id = "req_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        context.Items[ItemKey] = id;
        return id;
    }
}
