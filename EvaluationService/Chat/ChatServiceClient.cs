using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Globalization;
using EvaluationService.Auth;
using ServiceDefaults.Auth;
using Polly.Timeout;
using ServiceDefaults.Requests;
using ServiceDefaults.Streaming;

namespace EvaluationService.Chat;

/// <summary>
/// Typed client for ChatService. Its resilience pipeline (see <see cref="ChatServiceResilience"/>) has no retries
/// and a per-call timeout taken from <see cref="CaseTimeoutKey"/>, so one case never outlives its budget.
/// </summary>
public sealed class ChatServiceClient(HttpClient http, ServiceTokenProvider tokens)
{
    /// <summary>Per-request timeout read by the pipeline's timeout strategy.</summary>
    public static readonly HttpRequestOptionsKey<TimeSpan> CaseTimeoutKey = new("evaluation.case-timeout");

    /// <summary>How much later than the pipeline's timeout a call's own budget fires (see <see cref="AskAsync"/>).</summary>
    private static readonly TimeSpan PipelineFirst = TimeSpan.FromMilliseconds(500);

    public async Task<ChatResponse> AskAsync(ChatRequest request, string owner, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/chat")
        {
            Content = JsonContent.Create(request, options: JsonSerializerOptions.Web),
        };
        message.Options.Set(CaseTimeoutKey, timeout);
        // why: ChatService then spends the case's budget itself and answers (partial or degraded) before the case times out
        message.Headers.TryAddWithoutValidation(RequestBudget.HeaderName,
            ((long)timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        Authorize(message, owner);
        // The case's timeout is a timer on the whole call, body included: the pipeline's timeout covers the headers only.
        // It fires a moment after the pipeline's, so a call that gets no headers still ends as the pipeline's timeout,
        // which the chatservice breaker counts.
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(timeout + PipelineFirst);
        using var bound = ReadWatchdog.Bind(budget.Token);
        using var response = await SendAsync(message, budget.Token, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new ChatServiceException(CodeFor(response.StatusCode), $"ChatService answered {(int)response.StatusCode}.",
                (int)response.StatusCode);
        }

        try
        {
            return await response.Content.ReadFromJsonAsync<ChatResponse>(JsonSerializerOptions.Web, budget.Token)
                   ?? throw new ChatServiceException("CHAT_INVALID_RESPONSE", "ChatService answered an empty body.");
        }
        catch (JsonException ex)
        {
            throw new ChatServiceException("CHAT_INVALID_RESPONSE", $"ChatService answered malformed JSON: {ex.Message}");
        }
    }

    /// <summary>Largest page ChatService serves on <c>GET /api/documents/{id}/chunks</c>.</summary>
    public const int ChunkPageSize = 100;

    /// <summary>
    /// Up to <paramref name="maxChunks"/> chunks of the owner's document, in document order: <c>GET /api/documents/{id}</c>
    /// for the title, then <c>GET /api/documents/{id}/chunks?limit&amp;cursor</c> page by page. Another user's or a missing
    /// document → <see cref="ChatServiceException"/> with status 404. <paramref name="timeout"/> bounds each call.
    /// </summary>
    public async Task<IReadOnlyList<ChatDocumentChunk>> GetChunksAsync(string documentId, string owner, int maxChunks, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChunks, 1);
        var escaped = Uri.EscapeDataString(documentId);
        var document = await GetJsonAsync<ChatDocumentInfo>($"/api/documents/{escaped}", documentId, owner, timeout, cancellationToken);
        var result = new List<ChatDocumentChunk>();
        string? cursor = null;
        do
        {
            var limit = Math.Min(ChunkPageSize, maxChunks - result.Count);
            var path = $"/api/documents/{escaped}/chunks?limit={limit}" +
                (cursor is null ? string.Empty : $"&cursor={Uri.EscapeDataString(cursor)}");
            var page = await GetJsonAsync<ChatChunkPage>(path, documentId, owner, timeout, cancellationToken);
            foreach (var item in page.Items ?? [])
            {
                if (!string.IsNullOrWhiteSpace(item.Text))
                {
                    var title = item.Heading is { Length: > 0 } heading ? $"{document.Title ?? documentId} / {heading}" : document.Title;
                    result.Add(new ChatDocumentChunk(documentId, title, item.Id, item.Text));
                }
            }

            cursor = page.Items is { Count: > 0 } ? page.NextCursor : null;
        }
        while (cursor is not null && result.Count < maxChunks);

        return result;
    }

    private async Task<T> GetJsonAsync<T>(string path, string documentId, string owner, TimeSpan timeout,
        CancellationToken cancellationToken)
        where T : class
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, path);
        message.Options.Set(CaseTimeoutKey, timeout);
        Authorize(message, owner);
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(timeout + PipelineFirst);
        using var bound = ReadWatchdog.Bind(budget.Token);
        using var response = await SendAsync(message, budget.Token, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new ChatServiceException(CodeFor(response.StatusCode),
                $"ChatService answered {(int)response.StatusCode} for document {documentId}.", (int)response.StatusCode);
        }

        try
        {
            return await response.Content.ReadFromJsonAsync<T>(JsonSerializerOptions.Web, budget.Token)
                   ?? throw new ChatServiceException("CHAT_INVALID_RESPONSE",
                       $"ChatService answered an empty body for document {documentId}.");
        }
        catch (JsonException ex)
        {
            throw new ChatServiceException("CHAT_INVALID_RESPONSE",
                $"ChatService answered malformed JSON for document {documentId}: {ex.Message}");
        }
    }

    /// <summary>
    /// Sends under the call's budget. The budget running out while the body is read surfaces like the pipeline's
    /// timeout (<see cref="TimeoutRejectedException"/>), which callers already treat as the case timing out.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage message, CancellationToken budget, CancellationToken caller)
    {
        try
        {
            return await http.SendAsync(message, HttpCompletionOption.ResponseContentRead, budget);
        }
        catch (OperationCanceledException ex) when (budget.IsCancellationRequested && !caller.IsCancellationRequested)
        {
            throw new TimeoutRejectedException("The call to ChatService ran out of its budget.", ex);
        }
    }

    private void Authorize(HttpRequestMessage message, string owner)
    {
        if (tokens.TokenFor(ServiceClients.Chat, owner) is { } token)
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
