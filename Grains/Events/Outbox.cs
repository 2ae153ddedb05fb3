using System.Text.Json;
using Grains.Interfaces.Events;
using Grains.Interfaces.Platform;
using Grains.Platform;
using Grains.Platform.Telemetry;

namespace Grains.Events;

/// <summary>Builds outbox events: an <c>evt_</c> id, the document's event name and a snake_case <c>data</c> payload.</summary>
public static class Outbox
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public static OutboxEvent Event(string type, DateTimeOffset at, object data) =>
        new(ResourceIds.New("evt"), type, at, JsonSerializer.Serialize(data, Json), SalesboothTracing.CurrentTraceParent());
}
