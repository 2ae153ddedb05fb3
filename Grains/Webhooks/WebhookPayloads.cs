using System.Globalization;
using System.Text;
using System.Text.Json;
using Grains.Interfaces.Events;

namespace Grains.Webhooks;

/// <summary>The document's payload: <c>{"id","event","created_at","data"}</c>, with <c>data</c> as the event stored it.</summary>
public static class WebhookPayloads
{
    public static string For(EventLogEntry entry) => Build(entry.Id, entry.Type, entry.CreatedAt, entry.DataJson);

    public static string Build(string eventId, string eventType, DateTimeOffset createdAt, string dataJson)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", eventId);
            json.WriteString("event", eventType);
            json.WriteString("created_at", Timestamp(createdAt));
            json.WritePropertyName("data");
            json.WriteRawValue(dataJson, skipInputValidation: true);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>UTC with a <c>Z</c>, as the document writes times; fractions only when there are any.</summary>
    public static string Timestamp(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture);
}
