using System.Globalization;
using ChatService.Llm;
using ChatService.Rag;
using Microsoft.AspNetCore.Http.HttpResults;
using ServiceDefaults.Problems;

namespace ChatService.Apis;

/// <summary>Shared pieces of the chat-shaped endpoints (<c>/api/chat</c>, <c>/v1/chat/completions</c>).</summary>
internal static class ChatProblems
{
    public static ProblemHttpResult From(ChatRejectedException ex) => Problem.Of(ex.Status, ex.Code, ex.Title, ex.Detail);

    public static ProblemHttpResult From(LlmUnavailableException ex, HttpResponse response)
    {
        response.Headers.RetryAfter = "5";
        return Problem.Unavailable(ErrorCodes.LlmUnavailable, ex.Message, TimeSpan.FromSeconds(5));
    }

    public static ProblemHttpResult Shed(HttpResponse response, ChatServices services)
    {
        services.Metrics.Rejected();
        var seconds = services.Limits.Value.RetryAfterWholeSeconds();
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var status = services.Limits.Value.RejectionStatus;
        var slots = services.Gate.Snapshot();
        return Problem.Of(status, status == 429 ? ErrorCodes.TooManyRequests : ErrorCodes.DependencyUnavailable,
            "Too many concurrent chats",
            slots.Describe(),
            new Dictionary<string, object?>
            {
                ["retryAfterSeconds"] = seconds,
                ["generationsInUse"] = slots.InUse,
                ["generationSlots"] = slots.Limit,
                ["oldestGenerationSeconds"] = Math.Round(slots.OldestAge.TotalSeconds, 1),
            });
    }
}
