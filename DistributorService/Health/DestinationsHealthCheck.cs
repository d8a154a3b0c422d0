using DistributorService.Data;
using DistributorService.Delivery;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServiceDefaults.Resilience;

namespace DistributorService.Health;

/// <summary>
/// Readiness summary of destinations (never Unhealthy: one bad destination must not take the service out of rotation)
/// and, as data, every destination with its health and breaker state for <c>/health/detailed</c>.
/// </summary>
public sealed class DestinationsHealthCheck(IServiceScopeFactory scopes, CircuitBreakerRegistry breakers) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DistributorDbContext>();
        var destinations = await db.Destinations.AsNoTracking()
            .OrderBy(d => d.Name)
            .Select(d => new { d.Id, d.Name, d.Enabled, d.Paused, d.HealthStatus, d.LastHealthCheckAt, d.DisabledReason })
            .ToListAsync(cancellationToken);
        var list = destinations.Select(d => (object)new Dictionary<string, object?>
        {
            ["id"] = d.Id,
            ["name"] = d.Name,
            ["enabled"] = d.Enabled,
            ["paused"] = d.Paused,
            ["health"] = d.HealthStatus,
            ["lastCheckAt"] = d.LastHealthCheckAt,
            ["disabledReason"] = d.DisabledReason,
            ["breaker"] = breakers.Find(DestinationBreakers.NameOf(d.Id))?.State ?? "Closed",
        }).ToList();
        var active = destinations.Where(d => d.Enabled && !d.Paused).ToList();
        var unhealthy = active.Count(d => d.HealthStatus == DestinationHealthStatus.Unhealthy);
        var degraded = active.Count(d => d.HealthStatus == DestinationHealthStatus.Degraded);
        var data = new Dictionary<string, object>
        {
            ["total"] = destinations.Count,
            ["active"] = active.Count,
            ["unhealthy"] = unhealthy,
            ["degraded"] = degraded,
            ["destinations"] = list,
        };
        var description = $"{active.Count} active destinations, {unhealthy} unhealthy, {degraded} degraded";
        return unhealthy + degraded > 0
            ? HealthCheckResult.Degraded(description, data: data)
            : HealthCheckResult.Healthy(description, data);
    }
}
