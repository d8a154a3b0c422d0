using System.Text.Json;

namespace ChatService.Tests.Infrastructure;

public sealed record SseEvent(string Name, string Data)
{
    public JsonElement Json => JsonDocument.Parse(Data).RootElement.Clone();
}
