using System.Security.Claims;
using ChatService.Activity;
using ChatService.Apis.Streaming;
using Microsoft.Extensions.Options;
using ServiceDefaults.Auth;
using ServiceDefaults.RateLimiting;

namespace ChatService.Apis;

public static class ActivityApi
{
    public static IEndpointRouteBuilder MapActivityApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/activity", Stream).WithTags("Activity")
            .Produces(200, contentType: "text/event-stream")
            .DisableRequestTimeout()
            .LimitStreamsPerUser();
        return app;
    }

    /// <summary>
    /// Server-sent events of the caller's processing steps. A slow client loses the oldest events and receives a
    /// <c>dropped</c> event saying how many; the subscription is removed as soon as the client goes away.
    /// </summary>
    private static async Task Stream(HttpContext context, ClaimsPrincipal user, ActivityHub hub, IOptions<ActivityOptions> options,
        TimeProvider time, CancellationToken cancellationToken)
    {
        using var subscription = hub.Subscribe(user.GetUserId());
        var sse = new SseWriter(context.Response);
        try
        {
            await sse.CommentAsync("subscribed", cancellationToken);
            while (!cancellationToken.IsCancellationRequested)
            {
                using var keepAlive = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                keepAlive.CancelAfter(options.Value.KeepAliveInterval);
                bool available;
                try
                {
                    available = await subscription.Events.WaitToReadAsync(keepAlive.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    await sse.CommentAsync("keep-alive", cancellationToken);
                    continue;
                }

                if (!available)
                {
                    return;
                }

                if (subscription.TakeDroppedCount() is > 0 and var dropped)
                {
                    await sse.WriteAsync("dropped", new { count = dropped, at = time.GetUtcNow() }, cancellationToken);
                }

                while (subscription.Events.TryRead(out var activityEvent))
                {
                    await sse.WriteAsync(activityEvent.Type, activityEvent, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away: disposing the subscription (using) removes it from the hub.
            return;
        }
    }
}
