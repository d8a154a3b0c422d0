namespace OllamaSimulator;

/// <summary>
/// Control endpoints for out-of-process users (camelCase JSON, Content-Type application/json):
/// GET/POST /_sim/faults, POST /_sim/reset, GET /_sim/stats, GET /_sim/requests.
/// </summary>
internal static class SimulatorAdminApi
{
    public static IEndpointRouteBuilder MapSimulatorAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/_sim");
        admin.MapGet("/faults", (SimulatorState state) => state.Faults.ToDocument());
        admin.MapPost("/faults", SetFaults);
        admin.MapPost("/reset", (SimulatorState state) =>
        {
            state.Reset();
            return Results.NoContent();
        });
        admin.MapGet("/stats", (SimulatorState state) => state.Stats());
        admin.MapGet("/requests", (SimulatorState state) => state.Requests);
        return app;
    }

    private static IResult SetFaults(FaultsDocument document, SimulatorState state)
    {
        var problems = new[] { document.All, document.Chat, document.Embed }
            .SelectMany(settings => settings?.Problems() ?? [])
            .Distinct()
            .ToList();
        if (problems.Count > 0)
        {
            return Results.BadRequest(new { errors = problems });
        }

        state.Faults.Apply(document);
        return Results.Ok(state.Faults.ToDocument());
    }
}
