using System.Security.Claims;
using ChatService.Apis.Contracts;
using ChatService.Apis.Streaming;
using ChatService.Llm;
using ChatService.Rag;
using ServiceDefaults.Auth;
using ServiceDefaults.Requests;

namespace ChatService.Apis;

/// <summary>
/// OpenAI-compatible <c>/v1/chat/completions</c> (JSON and SSE <c>data:</c> chunks ending with <c>[DONE]</c>) and
/// <c>/v1/models</c>, answering through the same RAG pipeline. The last user message is the question; each call is a new
/// session (OpenAI clients resend the history themselves). The API key is the caller's JWT.
/// </summary>
public static class OpenAiApi
{
    public const string RagModel = "rag";

    public static IEndpointRouteBuilder MapOpenAiApi(this IEndpointRouteBuilder app, TimeSpan requestTimeout)
    {
        var group = app.MapGroup("/v1").WithTags("OpenAI compatible");
        group.MapPost("/chat/completions", Completions).WithRequestTimeout(requestTimeout);
        group.MapGet("/models", Models);
        return app;
    }

    private static IResult Models(LlmModels models, TimeProvider time)
    {
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        return Results.Json(new
        {
            @object = "list",
            data = new[]
            {
                new { id = RagModel, @object = "model", created, owned_by = "chatservice" },
                new { id = models.ChatModelName, @object = "model", created, owned_by = "ollama" },
            },
        });
    }

    private static async Task<IResult> Completions(OpenAiChatRequest request, ClaimsPrincipal user, HttpContext context,
        [AsParameters] ChatServices services, TimeProvider time, CancellationToken cancellationToken)
    {
        var question = request.Messages?.LastOrDefault(m => m.Role == "user")?.Text();
        if (string.IsNullOrWhiteSpace(question))
        {
            return OpenAiError(400, "invalid_request_error", "messages must contain a user message with text.");
        }

        using var lease = await services.Gate.TryEnterAsync(cancellationToken);
        if (lease is null)
        {
            context.Response.Headers.RetryAfter = services.Limits.Value.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            services.Metrics.Rejected();
            return OpenAiError(services.Limits.Value.RejectionStatus, "rate_limit_error", "Generation capacity is exhausted; retry later.");
        }

        var id = $"chatcmpl-{Guid.NewGuid():N}";
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        var model = request.Model ?? RagModel;
        var sse = request.Stream == true ? new SseWriter(context.Response) : null;
        try
        {
            var turn = await services.Runner.PrepareAsync(user.GetUserId(), new ChatQuestion(question), cancellationToken);
            var budget = TurnBudget.ForRequest(context.GetRequestBudget(), services.Llm.Value, services.Lifetime.ApplicationStopping);
            if (sse is null)
            {
                var answer = await services.Runner.AnswerAsync(turn, static (_, _) => ValueTask.CompletedTask, budget, allowDegraded: true, cancellationToken);
                return Results.Json(new
                {
                    id,
                    @object = "chat.completion",
                    created,
                    model,
                    choices = new[] { new { index = 0, message = new { role = "assistant", content = answer.Answer }, finish_reason = answer.Partial ? "length" : "stop" } },
                    usage = new { prompt_tokens = answer.Usage.PromptTokens, completion_tokens = answer.Usage.CompletionTokens, total_tokens = answer.Usage.PromptTokens + answer.Usage.CompletionTokens },
                });
            }

            await sse.StartAsync(cancellationToken);
            await WriteChunkAsync(context.Response, new { id, @object = "chat.completion.chunk", created, model, choices = new[] { new { index = 0, delta = new { role = "assistant", content = "" }, finish_reason = (string?)null } } }, cancellationToken);
            var streamed = await services.Runner.AnswerAsync(turn,
                (text, ct) => WriteChunkAsync(context.Response, new { id, @object = "chat.completion.chunk", created, model, choices = new[] { new { index = 0, delta = new { content = text }, finish_reason = (string?)null } } }, ct),
                budget, allowDegraded: true, cancellationToken);
            await WriteChunkAsync(context.Response, new { id, @object = "chat.completion.chunk", created, model, choices = new[] { new { index = 0, delta = new { }, finish_reason = streamed.Partial ? "length" : "stop" } } }, cancellationToken);
            await context.Response.WriteAsync("data: [DONE]\n\n", cancellationToken);
            return Results.Empty;
        }
        catch (ChatRejectedException ex) when (sse is not { Started: true })
        {
            return OpenAiError(ex.Status, ex.Status == 404 ? "not_found_error" : "invalid_request_error", ex.Detail ?? ex.Title);
        }
        catch (LlmUnavailableException ex) when (sse is not { Started: true })
        {
            return OpenAiError(503, "api_error", ex.Message);
        }
        catch (LlmUnavailableException ex)
        {
            await WriteChunkAsync(context.Response, new { error = new { message = ex.Message, type = "api_error", code = ex.Code } }, cancellationToken);
            return Results.Empty;
        }
    }

    private static async ValueTask WriteChunkAsync(HttpResponse response, object chunk, CancellationToken cancellationToken)
    {
        await response.WriteAsync($"data: {System.Text.Json.JsonSerializer.Serialize(chunk)}\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private static IResult OpenAiError(int status, string type, string message) =>
        Results.Json(new { error = new { message, type, param = (string?)null, code = (string?)null } }, statusCode: status);
}
