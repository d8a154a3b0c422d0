using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace WebhookSink;

/// <summary>A request as the sink received it, with the status it decided to answer (null when it hung).</summary>
public sealed record RecordedRequest(
    string Method,
    string Path,
    string QueryString,
    IReadOnlyDictionary<string, string> Headers,
    [property: JsonIgnore] byte[] BodyBytes,
    DateTimeOffset ReceivedAt,
    int? ResponseStatus)
{
    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    /// <summary>The body decoded as UTF-8.</summary>
    public string Body => Encoding.UTF8.GetString(BodyBytes);

    /// <summary>A header's value (several values joined by ", "), or null; names are case-insensitive.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>The body deserialised with web defaults (camelCase, case-insensitive).</summary>
    public T? BodyAs<T>() => JsonSerializer.Deserialize<T>(BodyBytes, WebJson);
}
