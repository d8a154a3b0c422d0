using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace EvaluationService.Chat;

/// <summary>
/// Typed client for ChatService. Its resilience pipeline (see <see cref="ChatServiceResilience"/>) has no retries
/// and a per-call timeout taken from <see cref="CaseTimeoutKey"/>, so one case never outlives its budget.
/// </summary>
public sealed class ChatServiceClient(HttpClient http, ChatTokenProvider tokens)
{
    /// <summary>Per-request timeout read by the pipeline's timeout strategy.</summary>
    public static readonly HttpRequestOptionsKey<TimeSpan> CaseTimeoutKey = new("evaluation.case-timeout");

    public async Task<ChatResponse> AskAsync(ChatRequest request, string owner, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/chat") { Content = JsonContent.Create(request, options: JsonSerializerOptions.Web) };
        message.Options.Set(CaseTimeoutKey, timeout);
        Authorize(message, owner);
        using var response = await http.SendAsync(message, HttpCompletionOption.ResponseContentRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new ChatServiceException(CodeFor(response.StatusCode), $"ChatService answered {(int)response.StatusCode}.", (int)response.StatusCode);
        }

        try
        {
            return await response.Content.ReadFromJsonAsync<ChatResponse>(JsonSerializerOptions.Web, cancellationToken)
                   ?? throw new ChatServiceException("CHAT_INVALID_RESPONSE", "ChatService answered an empty body.");
        }
        catch (JsonException ex)
        {
            throw new ChatServiceException("CHAT_INVALID_RESPONSE", $"ChatService answered malformed JSON: {ex.Message}");
        }
    }

    /// <summary>
    /// Chunks of a document. Uses <c>GET /api/documents/{id}/chunks</c>; when ChatService has no such endpoint (404/405)
    /// falls back to <c>GET /api/documents/{id}</c> and reads its <c>chunks</c> or <c>text</c>/<c>content</c> member.
    /// </summary>
    public async Task<IReadOnlyList<ChatDocumentChunk>> GetChunksAsync(string documentId, string owner, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var escaped = Uri.EscapeDataString(documentId);
        using (var chunks = await GetAsync($"/api/documents/{escaped}/chunks", owner, timeout, cancellationToken))
        {
            if (chunks.StatusCode is not (HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed))
            {
                return await ReadChunksAsync(chunks, documentId, null, cancellationToken);
            }
        }

        using var document = await GetAsync($"/api/documents/{escaped}", owner, timeout, cancellationToken);
        return await ReadChunksAsync(document, documentId, null, cancellationToken);
    }

    private async Task<HttpResponseMessage> GetAsync(string path, string owner, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, path);
        message.Options.Set(CaseTimeoutKey, timeout);
        Authorize(message, owner);
        return await http.SendAsync(message, cancellationToken);
    }

    private static async Task<IReadOnlyList<ChatDocumentChunk>> ReadChunksAsync(HttpResponseMessage response, string documentId, string? title,
        CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new ChatServiceException(CodeFor(response.StatusCode), $"ChatService answered {(int)response.StatusCode} for document {documentId}.",
                (int)response.StatusCode);
        }

        using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        var root = json.RootElement;
        if (root.ValueKind == JsonValueKind.Object)
        {
            title ??= Text(root, "title");
            if (root.TryGetProperty("chunks", out var nested) || root.TryGetProperty("items", out nested))
            {
                root = nested;
            }
            else if ((Text(root, "text") ?? Text(root, "content")) is { } whole)
            {
                return [new ChatDocumentChunk(documentId, title, $"{documentId}:0", whole)];
            }
        }

        if (root.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var result = new List<ChatDocumentChunk>();
        var index = 0;
        foreach (var item in root.EnumerateArray())
        {
            var text = Text(item, "text") ?? Text(item, "content");
            if (!string.IsNullOrWhiteSpace(text))
            {
                result.Add(new ChatDocumentChunk(documentId, title ?? Text(item, "title"),
                    Text(item, "chunkId") ?? Text(item, "id") ?? $"{documentId}:{index}", text));
            }

            index++;
        }

        return result;
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.ValueKind == JsonValueKind.Number ? value.GetRawText() : null
            : null;

    private void Authorize(HttpRequestMessage message, string owner)
    {
        if (tokens.TokenFor(owner) is { } token)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    private static string CodeFor(HttpStatusCode status) => status switch
    {
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => "CHAT_UNAUTHORIZED",
        HttpStatusCode.GatewayTimeout or HttpStatusCode.RequestTimeout => "CHAT_TIMEOUT",
        HttpStatusCode.ServiceUnavailable => "CHAT_UNAVAILABLE",
        HttpStatusCode.TooManyRequests => "CHAT_THROTTLED",
        _ when (int)status >= 500 => "CHAT_ERROR",
        _ => "CHAT_REJECTED",
    };
}
