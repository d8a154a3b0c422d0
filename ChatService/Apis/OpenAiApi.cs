using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using ChatService.Apis.Contracts;
using ChatService.Apis.Streaming;
using ChatService.Llm;
using ChatService.Rag;
using ServiceDefaults.Auth;
using ServiceDefaults.Requests;

namespace ChatService.Apis;

/// <summary>
/// OpenAI-compatible <c>/v1/chat/completions</c> (JSON, or SSE <c>data:</c> chunks that always end with <c>[DONE]</c>)
/// and <c>/v1/models</c>, answering through the same RAG pipeline. The whole conversation reaches the model (see
/// <see cref="OpenAiConversation"/>); nothing is stored unless the caller asks with the <c>X-Chat-Session</c> header
/// (<c>new</c>, or the id of one of their sessions; the answer's header <c>X-Chat-Session-Id</c> names it). Every error
/// is OpenAI-shaped. The API key is the caller's JWT. Extensions: <c>citations</c> and <c>degraded</c> on the
/// completion (and on the last streamed chunk).
/// </summary>
public static class OpenAiApi
{
    public const string RagModel = "rag";

    public const string SessionHeader = "X-Chat-Session";

    public const string SessionIdHeader = "X-Chat-Session-Id";

    public static IEndpointRouteBuilder MapOpenAiApi(this IEndpointRouteBuilder app, TimeSpan requestTimeout)
    {
        var group = app.MapGroup("/v1").WithTags("OpenAI compatible");
        group.MapPost("/chat/completions", Completions)
            .Accepts<OpenAiChatRequest>("application/json")
            .Produces(200, contentType: "application/json").Produces(200, contentType: "text/event-stream")
            .WithRequestTimeout(requestTimeout)
            .RequireRateLimiting(ChatRateLimits.Chat).WithMetadata(OpenAiRateLimitRejection.Instance);
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

    private static async Task<IResult> Completions(ClaimsPrincipal user, HttpContext context, [AsParameters] ChatServices services,
        LlmModels models, TimeProvider time, ILogger<OpenAiChatRequest> logger, CancellationToken cancellationToken)
    {
        OpenAiChatRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync<OpenAiChatRequest>(context.Request.Body, JsonSerializerOptions.Web,
                cancellationToken);
        }
        catch (JsonException ex)
        {
            return OpenAiError.Invalid($"The request body is not valid JSON: {ex.Message}", null, "invalid_json").ToResult();
        }

        if (request is null)
        {
            return OpenAiError.Invalid("The request body must be a JSON object.", null, "invalid_json").ToResult();
        }

        var (conversation, invalid) = OpenAiConversation.From(request, [RagModel, models.ChatModelName]);
        if (invalid is not null)
        {
            return invalid.ToResult();
        }

        using var slot = await services.Gate.TryEnterAsync(cancellationToken);
        if (slot is null)
        {
            context.Response.Headers.RetryAfter = services.Limits.Value.RetryAfterWholeSeconds().ToString(CultureInfo.InvariantCulture);
            services.Metrics.Rejected();
            return new OpenAiError(services.Limits.Value.RejectionStatus, "rate_limit_error", services.Gate.Snapshot().Describe(), null,
                "rate_limit_exceeded").ToResult();
        }

        var completion = new Completion($"chatcmpl-{Guid.NewGuid():N}", time.GetUtcNow().ToUnixTimeSeconds(), request.Model ?? RagModel);
        var sse = request.Stream == true ? new SseWriter(context.Response) : null;
        try
        {
            var turn = await TurnAsync(conversation!, user.GetUserId(), context, services.Runner, cancellationToken);
            var budget = TurnBudget.ForRequest(context.GetRequestBudget(), services.Llm.Value, services.Lifetime.ApplicationStopping);
            if (sse is null)
            {
                var answer = await services.Runner.AnswerAsync(turn, static (_, _) => ValueTask.CompletedTask, budget, allowDegraded: true,
                    cancellationToken);
                return Results.Json(completion.Whole(answer));
            }

            await sse.StartAsync(cancellationToken);
            await WriteAsync(context.Response, completion.Chunk(new { role = "assistant", content = "" }), cancellationToken);
            var streamed = await services.Runner.AnswerAsync(turn,
                (text, ct) => WriteAsync(context.Response, completion.Chunk(new { content = text }), ct), budget, allowDegraded: true,
                cancellationToken);
            await WriteAsync(context.Response, completion.Last(streamed), cancellationToken);
            await DoneAsync(context.Response, cancellationToken);
            return Results.Empty;
        }
        catch (ChatRejectedException ex) when (sse is not { Started: true })
        {
            return new OpenAiError(ex.Status, ex.Status == 404 ? "not_found_error" : "invalid_request_error", ex.Detail ?? ex.Title, null,
                ex.Code.ToLowerInvariant()).ToResult();
        }
        catch (LlmUnavailableException ex) when (sse is not { Started: true })
        {
            context.Response.Headers.RetryAfter = "5";
            return new OpenAiError(503, "api_error", ex.Message, null, ex.Code.ToLowerInvariant()).ToResult();
        }
        catch (Exception ex) when (sse is { Started: true } && !cancellationToken.IsCancellationRequested
            && ex is not OperationCanceledException)
        {
            // The stream has begun: the error goes in the stream, and the stream still ends with [DONE].
            logger.LogWarning(ex, "OpenAI-compatible stream {Id} failed after it started", completion.Id);
            var code = ex is LlmUnavailableException unavailable ? unavailable.Code : "INTERNAL_ERROR";
            await WriteAsync(context.Response, new OpenAiError(500, "api_error", "The answer failed mid-stream.", null,
                code.ToLowerInvariant()).Body, cancellationToken);
            await DoneAsync(context.Response, cancellationToken);
            return Results.Empty;
        }
    }

    /// <summary>A stored turn when the caller asked for a session, otherwise a stateless one.</summary>
    private static async Task<ChatTurn> TurnAsync(OpenAiConversation conversation, string owner, HttpContext context, ChatTurnRunner runner,
        CancellationToken cancellationToken)
    {
        var session = context.Request.Headers[SessionHeader].ToString().Trim();
        ChatTurn turn;
        if (session.Length == 0)
        {
            turn = runner.Stateless(owner, conversation.Question, conversation.History);
        }
        else
        {
            Guid? sessionId = string.Equals(session, "new", StringComparison.OrdinalIgnoreCase) ? null
                : Guid.TryParse(session, out var id) ? id
                : throw new ChatRejectedException(400, "INVALID_SESSION", "Validation failed",
                    $"{SessionHeader} must be 'new' or a session id.");
            turn = await runner.StartAsync(owner, new ChatQuestion(conversation.Question, sessionId), cancellationToken);
            turn = turn with { History = runner.Transient(owner, conversation.History) };
            context.Response.Headers[SessionIdHeader] = turn.SessionId.ToString();
        }

        return turn with
        {
            ClientInstructions = conversation.ClientInstructions,
            RetrievalQuery = conversation.RetrievalQuery,
            Settings = conversation.Settings,
        };
    }

    private static async ValueTask WriteAsync(HttpResponse response, object chunk, CancellationToken cancellationToken)
    {
        await response.WriteAsync($"data: {JsonSerializer.Serialize(chunk)}\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private static async ValueTask DoneAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        await response.WriteAsync("data: [DONE]\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    /// <summary>The shapes of one completion: the whole answer, a streamed delta, and the last chunk.</summary>
    private sealed record Completion(string Id, long Created, string Model)
    {
        public object Whole(ChatAnswer answer) => new
        {
            id = Id,
            @object = "chat.completion",
            created = Created,
            model = Model,
            choices = new[] { new { index = 0, message = new { role = "assistant", content = answer.Answer },
                finish_reason = FinishReason(answer), logprobs = (object?)null } },
            usage = Usage(answer),
            citations = answer.Citations,
            degraded = answer.Degraded,
        };

        public object Chunk(object delta) => new
        {
            id = Id,
            @object = "chat.completion.chunk",
            created = Created,
            model = Model,
            choices = new[] { new { index = 0, delta, finish_reason = (string?)null } },
        };

        public object Last(ChatAnswer answer) => new
        {
            id = Id,
            @object = "chat.completion.chunk",
            created = Created,
            model = Model,
            choices = new[] { new { index = 0, delta = new { }, finish_reason = FinishReason(answer) } },
            usage = Usage(answer),
            citations = answer.Citations,
            degraded = answer.Degraded,
        };

        private static string FinishReason(ChatAnswer answer) => answer.Partial ? "length" : "stop";

        private static object Usage(ChatAnswer answer) => new
        {
            prompt_tokens = answer.Usage.PromptTokens,
            completion_tokens = answer.Usage.CompletionTokens,
            total_tokens = answer.Usage.PromptTokens + answer.Usage.CompletionTokens,
        };
    }
}
