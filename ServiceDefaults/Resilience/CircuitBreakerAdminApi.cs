using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ServiceDefaults.Auth;
using ServiceDefaults.Problems;

namespace ServiceDefaults.Resilience;

public static class CircuitBreakerAdminApi
{
    public static IEndpointRouteBuilder MapCircuitBreakerAdmin(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/admin/circuit-breakers").RequireAuthorization(AuthPolicies.Admin).WithTags("Admin");
        group.MapGet("/", List);
        group.MapPost("/{name}/isolate", Isolate);
        group.MapPost("/{name}/reset", Reset);
        return app;
    }

    public sealed record CircuitBreakerView(string Name, string State);

    private static Ok<CircuitBreakerView[]> List(CircuitBreakerRegistry registry) =>
        TypedResults.Ok(registry.All.Select(b => new CircuitBreakerView(b.Name, b.State)).ToArray());

    private static async Task<Results<Ok<CircuitBreakerView>, ProblemHttpResult>> Isolate(
        string name, CircuitBreakerRegistry registry, CancellationToken cancellationToken)
    {
        if (registry.Find(name) is not { } breaker)
        {
            return Problem.NotFound($"Circuit breaker '{name}'");
        }

        await breaker.ManualControl.IsolateAsync(cancellationToken);
        return TypedResults.Ok(new CircuitBreakerView(breaker.Name, breaker.State));
    }

    private static async Task<Results<Ok<CircuitBreakerView>, ProblemHttpResult>> Reset(
        string name, CircuitBreakerRegistry registry, CancellationToken cancellationToken)
    {
        if (registry.Find(name) is not { } breaker)
        {
            return Problem.NotFound($"Circuit breaker '{name}'");
        }

        await breaker.ManualControl.CloseAsync(cancellationToken);
        return TypedResults.Ok(new CircuitBreakerView(breaker.Name, breaker.State));
    }
}
