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
    public async Task A_named_breaker_built_twice_works_and_reports_the_state_of_the_pipeline_in_use()
    {
        // Polly's registry builds a pipeline inside ConcurrentDictionary.GetOrAdd, so two racing first calls build it
        // twice; a Polly state provider can belong to one strategy only and the second build used to throw.
        var registry = new CircuitBreakerRegistry();
        var options = () => new CircuitBreakerStrategyOptions
        {
            FailureRatio = 0.5,
            MinimumThroughput = 2,
            BreakDuration = TimeSpan.FromMinutes(1),
            ShouldHandle = new PredicateBuilder().Handle<InvalidOperationException>(),
        };
        var discarded = registry.AddNamedCircuitBreaker(new ResiliencePipelineBuilder(), "chroma", options()).Build();
        var used = registry.AddNamedCircuitBreaker(new ResiliencePipelineBuilder(), "chroma", options()).Build();
        var breaker = Assert.Single(registry.All);
        Assert.Equal("Closed", breaker.State);

        for (var i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(async () =>
                await used.ExecuteAsync<int>(_ => throw new InvalidOperationException("down")));
        }

        Assert.Equal("Open", breaker.State);
        await Assert.ThrowsAsync<BrokenCircuitException>(async () => await used.ExecuteAsync(_ => ValueTask.FromResult(1)));

        await breaker.ManualControl.CloseAsync();
        Assert.Equal("Closed", breaker.State);
        await breaker.ManualControl.IsolateAsync();
        Assert.Equal("Isolated", breaker.State);
        await Assert.ThrowsAsync<IsolatedCircuitException>(async () => await discarded.ExecuteAsync(_ => ValueTask.FromResult(1)));
        await breaker.ManualControl.CloseAsync();
        Assert.Equal(3, await used.ExecuteAsync(_ => ValueTask.FromResult(3)));
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
