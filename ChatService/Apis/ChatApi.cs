using System.Security.Claims;
using ChatService.Apis.Streaming;
using ChatService.Llm;
using ChatService.Rag;
using Microsoft.AspNetCore.Http.HttpResults;
using ServiceDefaults.Auth;
using ServiceDefaults.Requests;

namespace ChatService.Apis;

public static class ChatApi
{
    public static IEndpointRouteBuilder MapChatApi(this IEndpointRouteBuilder app, TimeSpan requestTimeout)
    {
        app.MapPost("/api/chat", Chat).WithTags("Chat")
            .Produces(200, contentType: "text/event-stream")
            .WithRequestTimeout(requestTimeout)
            .RequireRateLimiting(ChatRateLimits.Chat);
        return app;
    }

    /// <summary>
    /// JSON by default; with <c>Accept: text/event-stream</c>: <c>token</c> events, then <c>citations</c> and <c>final</c>
    /// (or <c>error</c> when the LLM failed mid-stream; the partial answer is stored flagged <c>partial</c>).
    /// The request's cancellation token reaches the Ollama call, so a client that disconnects stops the generation.
    /// </summary>
    private static async Task<Results<Ok<ChatAnswer>, EmptyHttpResult, ProblemHttpResult>> Chat(
        ChatQuestion question, ClaimsPrincipal user, HttpContext context, [AsParameters] ChatServices services,
        CancellationToken cancellationToken)
    {
        using var lease = await services.Gate.TryEnterAsync(cancellationToken);
        if (lease is null)
        {
            return ChatProblems.Shed(context.Response, services);
        }

        var sse = SseWriter.Accepts(context.Request) ? new SseWriter(context.Response) : null;
        try
        {
            var turn = await services.Runner.StartAsync(user.GetUserId(), question, cancellationToken);
            var budget = TurnBudget.ForRequest(context.GetRequestBudget(), services.Llm.Value, services.Lifetime.ApplicationStopping);
            if (sse is null)
            {
                var answer = await services.Runner.AnswerAsync(turn, static (_, _) => ValueTask.CompletedTask, budget, allowDegraded: true,
                    cancellationToken);
                return TypedResults.Ok(answer);
            }

            var streamed = await services.Runner.AnswerAsync(turn,
                (text, ct) => sse.WriteAsync("token", new { text }, ct), budget, allowDegraded: true, cancellationToken);
            await sse.WriteAsync("citations", streamed.Citations, cancellationToken);
            if (streamed.Partial)
            {
                await sse.WriteAsync("error", new { code = streamed.Error, messageId = streamed.MessageId, sessionId = streamed.SessionId,
                    partial = true }, cancellationToken);
            }
            else
            {
                await sse.WriteAsync("final", streamed, cancellationToken);
            }

            return TypedResults.Empty;
        }
        catch (ChatRejectedException ex) when (sse is not { Started: true })
        {
            return ChatProblems.From(ex);
        }
        catch (LlmUnavailableException ex) when (sse is not { Started: true })
        {
            return ChatProblems.From(ex, context.Response);
        }
        catch (LlmUnavailableException ex)
        {
            await sse!.WriteAsync("error", new { code = ex.Code, message = ex.Message }, cancellationToken);
            return TypedResults.Empty;
        }
    }
}
