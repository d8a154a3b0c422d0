using System.Net.Http.Json;
using System.Text.Json;

namespace AppHost;

/// <summary>
/// Asks an Ollama server (<c>GET /api/tags</c>) whether it has a model pulled. Used at start-up of a local run to pick
/// ChatService's embedding provider: Ollama's embedding model when it is there, else the in-process model.
/// </summary>
public static class OllamaProbe
{
    /// <summary>False when nothing answers within <paramref name="timeout"/>, the answer is not Ollama's, or the model is absent.</summary>
    public static async Task<bool> HasModelAsync(Uri endpoint, string model, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = endpoint, Timeout = timeout };
        try
        {
            var tags = await http.GetFromJsonAsync<JsonElement>("api/tags", cancellationToken);
            if (!tags.TryGetProperty("models", out var models) || models.ValueKind != JsonValueKind.Array)
            {
                return false;
            }

            // why: Ollama lists "nomic-embed-text:latest" for a model pulled as "nomic-embed-text"
            var wanted = model.Contains(':', StringComparison.Ordinal) ? model : $"{model}:latest";
            return models.EnumerateArray().Any(m => m.TryGetProperty("name", out var name) && name.GetString() is { } n
                && (string.Equals(n, model, StringComparison.Ordinal) || string.Equals(n, wanted, StringComparison.Ordinal)));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or NotSupportedException)
        {
            return false;
        }
    }
}
