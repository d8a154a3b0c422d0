namespace WebhookSink;

/// <summary>
/// Control endpoints for out-of-process users (camelCase JSON): GET /_sink/requests[?path=], GET /_sink/token-requests,
/// GET /_sink/stats, POST /_sink/behavior, POST /_sink/reset, POST /_sink/tokens/revoke, POST /_sink/tokens/reject-once.
/// </summary>
internal static class SinkAdminApi
{
    public static IEndpointRouteBuilder MapSinkAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/_sink");
        admin.MapGet("/requests", (SinkState state, string? path) =>
            path is null ? state.Requests : state.Requests.Where(r => PathEquals(r.Path, path)).ToList());
        admin.MapGet("/token-requests", (SinkState state) => state.TokenRequests);
        admin.MapGet("/stats", (SinkState state) => state.Stats());
        admin.MapPost("/behavior", SetBehavior);
        admin.MapPost("/reset", (SinkState state) =>
        {
            state.Reset();
            return Results.NoContent();
        });
        admin.MapPost("/tokens/revoke", (SinkState state) =>
        {
            state.Tokens.RevokeAll();
            return Results.NoContent();
        });
        admin.MapPost("/tokens/reject-once", (TokenRejection rejection, SinkState state) =>
        {
            state.Tokens.RejectOnce(rejection.Token);
            return Results.NoContent();
        });
        return app;
    }

    internal static bool PathEquals(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static IResult SetBehavior(SinkBehaviorUpdate update, SinkState state)
    {
        var problems = update.Behavior?.Problems().ToList() ?? ["behavior is required"];
        if (problems.Count > 0)
        {
            return Results.BadRequest(new { errors = problems });
        }

        state.SetBehavior(update.Path, update.Behavior!);
        return Results.NoContent();
    }

    internal sealed record TokenRejection(string Token);
}
