namespace Tests.RateLimiting;

public static class RateLimitResponses
{
    public static string Header(this HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.Single() : throw new Xunit.Sdk.XunitException($"no {name} header");

    public static int IntHeader(this HttpResponseMessage response, string name) => int.Parse(response.Header(name));
}
