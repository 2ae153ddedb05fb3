using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;

namespace DealPeer;

/// <summary>
/// Bearer API keys, stored as SHA-256 hashes; a key's tenant is read once and then served from memory (the product's
/// ApiHost caches its key lookups too).
/// </summary>
public sealed class PeerAuth(IServiceScopeFactory scopes) : IMiddleware
{
    private const string TenantItem = "peer.tenant";
    private readonly ConcurrentDictionary<string, string> tenants = new(StringComparer.Ordinal);

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static string Tenant(HttpContext http) => (string)http.Items[TenantItem]!;

    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        if (!http.Request.Path.StartsWithSegments("/v1"))
        {
            await next(http);
            return;
        }
        var header = http.Request.Headers.Authorization.ToString();
        var tenant = header.StartsWith("Bearer ", StringComparison.Ordinal) ? await TenantOf(Hash(header[7..]), http.RequestAborted) : null;
        if (tenant is null)
        {
            await DealEndpoints.Error(401, "unauthorized", "A valid API key is required.").ExecuteAsync(http);
            return;
        }
        http.Items[TenantItem] = tenant;
        await next(http);
    }

    private async Task<string?> TenantOf(string hash, CancellationToken ct)
    {
        if (tenants.TryGetValue(hash, out var cached))
        {
            return cached;
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PeerDbContext>();
        var tenant = await db.ApiKeys.AsNoTracking().Where(k => k.KeyHash == hash).Select(k => k.Tenant).FirstOrDefaultAsync(ct);
        if (tenant is not null)
        {
            tenants[hash] = tenant;
        }
        return tenant;
    }
}
