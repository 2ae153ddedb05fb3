namespace Tests.Webhooks;

/// <summary>One request as the receiver saw it: headers (lower-case names) and the raw body bytes.</summary>
public sealed record ReceivedWebhook(IReadOnlyDictionary<string, string> Headers, byte[] Body, int AnsweredWith)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Body);

    public string Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var value) ? value : "";

    public string EventId => System.Text.Json.JsonDocument.Parse(Body).RootElement.GetProperty("id").GetString()!;
}
