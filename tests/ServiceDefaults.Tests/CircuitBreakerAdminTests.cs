using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.CircuitBreaker;
using ServiceDefaults.Resilience;

namespace ServiceDefaults.Tests;

public sealed class CircuitBreakerAdminTests
{
    [Fact]
    public async Task Isolate_and_reset_change_the_real_breaker_state()
    {
        await using var app = await TestApp.StartAsync();
        var registry = app.App.Services.GetRequiredService<CircuitBreakerRegistry>();
        var pipeline = registry.AddNamedCircuitBreaker(new ResiliencePipelineBuilder(), "payments",
            new CircuitBreakerStrategyOptions()).Build();

        Assert.Equal(42, await pipeline.ExecuteAsync(_ => ValueTask.FromResult(42)));

        var isolate = await app.Client.SendAsync(app.Request(HttpMethod.Post, "/admin/circuit-breakers/payments/isolate", admin: true));
        Assert.Equal(HttpStatusCode.OK, isolate.StatusCode);
        await Assert.ThrowsAsync<IsolatedCircuitException>(async () => await pipeline.ExecuteAsync(_ => ValueTask.FromResult(1)));

        var list = await app.Client.SendAsync(app.Request(HttpMethod.Get, "/admin/circuit-breakers", admin: true));
        var breakers = JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("Isolated", breakers.EnumerateArray().Single(b => b.GetProperty("name").GetString() == "payments")
            .GetProperty("state").GetString());

        var reset = await app.Client.SendAsync(app.Request(HttpMethod.Post, "/admin/circuit-breakers/payments/reset", admin: true));
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.Equal(7, await pipeline.ExecuteAsync(_ => ValueTask.FromResult(7)));
    }

    [Fact]
    public async Task Unknown_breaker_is_404_and_non_admin_is_403()
    {
        await using var app = await TestApp.StartAsync();

        var unknown = await app.Client.SendAsync(app.Request(HttpMethod.Post, "/admin/circuit-breakers/nope/isolate", admin: true));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var user = await app.Client.SendAsync(app.Request(HttpMethod.Post, "/admin/circuit-breakers/nope/isolate"));
        Assert.Equal(HttpStatusCode.Forbidden, user.StatusCode);
    }
}
