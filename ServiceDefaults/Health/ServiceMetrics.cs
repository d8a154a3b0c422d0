using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServiceDefaults.Resilience;

namespace ServiceDefaults.Health;

/// <summary>
/// What every service exposes for alerting (meter <c>ServiceDefaults</c>): <c>health_check_status</c> per readiness
/// check (2 healthy, 1 degraded, 0 unhealthy; from the cached report, so a scrape never waits on a dependency) and
/// <c>circuit_breaker_state</c> per named breaker (0 closed, 1 half-open, 2 open, 3 isolated).
/// </summary>
public sealed class ServiceMetrics
{
    public const string MeterName = "ServiceDefaults";

    public ServiceMetrics(IMeterFactory meters, HealthReportCache health, CircuitBreakerRegistry breakers)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("health.check.status", () => Checks(health), null,
            "Readiness check status: 2 healthy, 1 degraded, 0 unhealthy (absent before the first report).");
        meter.CreateObservableGauge("circuit_breaker.state", () => breakers.All.Select(b =>
                new Measurement<int>(Value(b.State), new KeyValuePair<string, object?>("breaker", b.Name))), null,
            "Circuit breaker state: 0 closed, 1 half-open, 2 open, 3 isolated.");
    }

    /// <summary>
    /// Creates the gauges when the host starts (after options validation), so they exist from the first scrape on and a
    /// misconfigured service still fails at start with the option's name, not while its endpoints are mapped.
    /// </summary>
    internal sealed class Activator(IServiceProvider services) : Microsoft.Extensions.Hosting.IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = services.GetService(typeof(ServiceMetrics));
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static IEnumerable<Measurement<int>> Checks(HealthReportCache health) =>
        health.Peek(HealthTags.Ready) is { } report
            ? report.Entries.Select(e => new Measurement<int>(e.Value.Status switch
            {
                HealthStatus.Healthy => 2,
                HealthStatus.Degraded => 1,
                _ => 0,
            }, new KeyValuePair<string, object?>("check", e.Key)))
            : [];

    private static int Value(string state) => state switch
    {
        "Closed" => 0,
        "HalfOpen" => 1,
        "Open" => 2,
        _ => 3,
    };
}
