namespace WebhookSink;

/// <summary>Every path not taken by /oauth/token or /_sink: record the request, then answer as its behaviour says.</summary>
internal static class SinkEndpoint
{
    public static IEndpointRouteBuilder MapSinkEndpoint(this IEndpointRouteBuilder app)
    {
        app.Map("/{**path}", (HttpContext context, SinkState state, IHostApplicationLifetime lifetime) =>
            state.TrackAsync(context, ct => AnswerAsync(context, state, ct), lifetime.ApplicationStopping));
        return app;
    }

    private static async Task AnswerAsync(HttpContext context, SinkState state, CancellationToken cancellationToken)
    {
        var received = await RequestReader.ReadAsync(context.Request, state.Time.GetUtcNow(), cancellationToken);
        var rule = state.RuleFor(received.Path);
        var behavior = rule.Behavior;
        int? status = behavior.RequireBearerToken && !state.Tokens.Accepts(RequestReader.BearerToken(received))
            ? StatusCodes.Status401Unauthorized
            : behavior.Hang ? null : rule.NextStatus();
        state.Record(received with { ResponseStatus = status });

        if (status is not { } answer)
        {
            // Ends only by cancellation: the client leaving (counted) or the server stopping.
            await Task.Delay(Timeout.InfiniteTimeSpan, state.Time, cancellationToken);
            return;
        }

        if (answer != StatusCodes.Status401Unauthorized && behavior.DelayMs > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(behavior.DelayMs), state.Time, cancellationToken);
        }

        await WriteAsync(context.Response, answer, behavior, cancellationToken);
    }

    private static async Task WriteAsync(HttpResponse response, int status, SinkBehavior behavior, CancellationToken cancellationToken)
    {
        response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized)
        {
            response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
        }

        if (status >= 400)
        {
            if (behavior.RetryAfterSeconds is { } seconds)
            {
                response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            await response.WriteAsJsonAsync(new { error = $"simulated status {status}" }, cancellationToken);
            return;
        }

        if (behavior.ResponseBody is { } body && status != StatusCodes.Status204NoContent)
        {
            response.ContentType = "application/json";
            await response.WriteAsync(body, cancellationToken);
        }
    }
}
