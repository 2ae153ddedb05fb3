using ApiHost.Api.Idempotency;
using ApiHost.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Tests.Infrastructure;

namespace Tests.Idempotency;

/// <summary>
/// The embedded API plus one test-only creating POST, <c>/v1/test-widgets</c>, marked
/// <c>WithIdempotency</c>. Its body steers it: <c>tag</c> counts creations per test, <c>reject</c>
/// answers 400, <c>fail_times</c>+<c>fail_mode</c> fail with 5xx that many times, <c>gate</c> waits for the test.
/// </summary>
public class IdempotencyTestApi : EmbeddedApi
{
    public const string AdminKey = "sb_live_us_IdempotencyTestsAdmin01";
    public const string Path = "/v1/test-widgets";

    public IdempotencyTestApi() : this(new Dictionary<string, string?>())
    {
    }

    /// <summary>With more settings, e.g. <c>Orleans:Mode=Client</c> against a <see cref="PostgresCluster"/>.</summary>
    internal IdempotencyTestApi(Dictionary<string, string?> settings)
        : base(new Dictionary<string, string?>(settings) { ["Bootstrap:AdminKey"] = AdminKey })
    {
    }

    public TestWidgets Widgets { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter>(new TestEndpointFilter(Widgets)));
    }

    /// <summary>
    /// Selects the test endpoint ahead of the app's pipeline; routing keeps an endpoint that is already
    /// set, so auth, idempotency and the endpoint middleware then run exactly as for a mapped route.
    /// </summary>
    private sealed class TestEndpointFilter(TestWidgets widgets) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            var endpoint = new Endpoint(widgets.CreateAsync,
                new EndpointMetadataCollection(new RequiredScope("customers:write"), IdempotentEndpoint.Instance), "POST test-widgets");
            app.Use((context, nextMiddleware) =>
            {
                if (HttpMethods.IsPost(context.Request.Method) && context.Request.Path.Value is Path or "/api" + Path)
                {
                    context.SetEndpoint(endpoint);
                }
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
