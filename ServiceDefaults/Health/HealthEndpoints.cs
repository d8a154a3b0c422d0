using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServiceDefaults.Auth;
using ServiceDefaults.Data;
using ServiceDefaults.Requests;
using ServiceDefaults.Resilience;

namespace ServiceDefaults.Health;

internal static class HealthEndpoints
{
    public const string AlivePath = "/alive";

    public static readonly string[] ProbePaths = ["/alive", "/health", "/health/ready", "/metrics"];

    public static void MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet(AlivePath, () => TypedResults.Text("Healthy")).AllowAnonymous().ExcludeFromDescription().DisableRequestTimeout();
        app.MapGet("/health", Ready).AllowAnonymous().ExcludeFromDescription().DisableRequestTimeout();
        app.MapGet("/health/ready", Ready).AllowAnonymous().ExcludeFromDescription().DisableRequestTimeout();
        app.MapGet("/health/detailed", Detailed).RequireAuthorization(AuthPolicies.Admin).ExcludeFromDescription();
    }

    private static async Task<IResult> Ready(HealthReportCache cache, CancellationToken cancellationToken)
    {
        var report = await cache.GetAsync(HealthTags.Ready, cancellationToken);
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => e.Value.Status.ToString()),
        };
        return Results.Json(body, statusCode: report.Status == HealthStatus.Unhealthy ? 503 : 200);
    }

    private static async Task<IResult> Detailed(HttpContext context, HealthReportCache cache, CancellationToken cancellationToken)
    {
        var services = context.RequestServices;
        var report = await cache.GetAsync(null, cancellationToken);
        using var process = Process.GetCurrentProcess();
        var body = new
        {
            status = report.Status.ToString(),
            totalDurationMs = report.TotalDuration.TotalMilliseconds,
            checks = report.Entries.Select(e => new
            {
                name = e.Key,
                status = e.Value.Status.ToString(),
                durationMs = e.Value.Duration.TotalMilliseconds,
                description = e.Value.Description,
                error = e.Value.Exception?.Message,
                tags = e.Value.Tags,
                data = e.Value.Data.ToDictionary(d => d.Key, d => d.Value),
            }),
            circuitBreakers = services.GetRequiredService<CircuitBreakerRegistry>().All
                .Select(b => new { name = b.Name, state = b.State }),
            databasePools = services.GetRequiredService<DbPoolObserver>().Snapshot(),
            process = new
            {
                workingSetBytes = process.WorkingSet64,
                managedHeapBytes = GC.GetTotalMemory(false),
                gcCollections = new[] { GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2) },
                threadPoolThreads = ThreadPool.ThreadCount,
                uptimeSeconds = (DateTime.Now - process.StartTime).TotalSeconds,
            },
            inFlightRequests = services.GetRequiredService<InFlightRequests>().Count,
        };
        return Results.Json(body, JsonSerializerOptions.Web, statusCode: report.Status == HealthStatus.Unhealthy ? 503 : 200);
    }
}
