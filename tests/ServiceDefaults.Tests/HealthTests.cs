using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServiceDefaults.Health;

namespace ServiceDefaults.Tests;

public sealed class HealthTests
{
    private static int _hungCheckCalls;

    private sealed class HungCheck : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _hungCheckCalls);
            // A dependency whose client ignores cancellation: only the cache's own bound can save the probe.
            await Task.Delay(TimeSpan.FromMinutes(5), CancellationToken.None);
            return HealthCheckResult.Healthy();
        }
    }

    [Fact]
    public async Task Readiness_answers_within_a_second_while_a_dependency_hangs()
    {
        await using var app = await TestApp.StartAsync(b => b.Services.AddHealthChecks()
            .AddCheck<HungCheck>("hung", HealthStatus.Unhealthy, [HealthTags.Ready]),
            settings: new Dictionary<string, string?> { ["ServiceDefaults:HealthCheckTimeout"] = "00:00:00.500" });

        // The very first probe waits for the first report, bounded by the check timeout.
        var first = Stopwatch.StartNew();
        var response = await app.Client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(first.Elapsed < TimeSpan.FromSeconds(3), $"first probe took {first.Elapsed}");

        // Every later probe is served from the cache or the stale report while the refresh runs.
        for (var i = 0; i < 50; i++)
        {
            var sw = Stopwatch.StartNew();
            var again = await app.Client.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, again.StatusCode);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1), $"probe {i} took {sw.Elapsed}");
        }

        // A probe storm reaches the dependency at most once per refresh, not once per probe.
        Assert.True(Volatile.Read(ref _hungCheckCalls) <= 3, $"check ran {_hungCheckCalls} times for 51 probes");
    }

    [Fact]
    public async Task Liveness_never_depends_on_a_dependency()
    {
        await using var app = await TestApp.StartAsync(b => b.Services.AddHealthChecks()
            .AddCheck("down", () => HealthCheckResult.Unhealthy("down"), [HealthTags.Ready]));

        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/alive")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await app.Client.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task Detailed_health_lists_checks_breakers_pools_memory_and_in_flight_requests()
    {
        await using var app = await TestApp.StartAsync(b => b.Services.AddHealthChecks()
            .AddCheck("dep", () => HealthCheckResult.Degraded("slow", data: new Dictionary<string, object> { ["latencyMs"] = 42 }),
                [HealthTags.Ready]));

        var response = await app.Client.SendAsync(app.Request(HttpMethod.Get, "/health/detailed", admin: true));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.Equal("Degraded", root.GetProperty("status").GetString());
        var dep = root.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "dep");
        Assert.Equal(42, dep.GetProperty("data").GetProperty("latencyMs").GetInt32());
        Assert.True(root.GetProperty("process").GetProperty("workingSetBytes").GetInt64() > 0);
        Assert.Equal(JsonValueKind.Array, root.GetProperty("circuitBreakers").ValueKind);
        Assert.Equal(JsonValueKind.Object, root.GetProperty("databasePools").ValueKind);
        Assert.True(root.GetProperty("inFlightRequests").GetInt64() >= 1);
    }

    [Fact]
    public async Task Metrics_endpoint_serves_prometheus_text()
    {
        await using var app = await TestApp.StartAsync();
        await app.Client.GetAsync("/alive");

        var response = await app.Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE ", text, StringComparison.Ordinal);
        Assert.Contains("http_server_request_duration_seconds_bucket{", text, StringComparison.Ordinal);
    }
}
