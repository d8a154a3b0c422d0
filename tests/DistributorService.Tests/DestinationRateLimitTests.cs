using DistributorService.Delivery;
using DistributorService.Destinations;
using DistributorService.Options;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Testing;
using WebhookSink;

namespace DistributorService.Tests;

/// <summary>
/// A destination's rateLimitPerSecond is a sliding window shared in Redis (DestinationRateLimiter): never more than the limit in a
/// window, from the first one on, across instances; with Redis down each instance falls back to the same window in memory.
/// </summary>
[Collection("dependencies")]
public sealed class DestinationRateLimitTests(DependenciesFixture deps)
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task First_window_holds_no_more_than_the_limit()
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync(deps.Redis.ConnectionString);
        var limiter = Limiter(redis);
        var destination = Guid.CreateVersion7();

        var results = new List<TimeSpan?>();
        for (var i = 0; i < 12; i++)
        {
            results.Add(await limiter.TryAcquireAsync(destination, 5, Window, CancellationToken.None));
        }

        Assert.Equal(5, results.Count(r => r is null));
        Assert.All(results.Skip(5), r => Assert.InRange(r!.Value, TimeSpan.FromTicks(1), Window + TimeSpan.FromMilliseconds(5)));
        Assert.False(limiter.UsingFallback);
    }

    [Fact]
    public async Task Two_instances_sharing_redis_together_respect_the_limit()
    {
        using var redisA = await ConnectionMultiplexer.ConnectAsync(deps.Redis.ConnectionString);
        using var redisB = await ConnectionMultiplexer.ConnectAsync(deps.Redis.ConnectionString);
        var (first, second) = (Limiter(redisA), Limiter(redisB));
        var destination = Guid.CreateVersion7();

        var granted = 0;
        for (var i = 0; i < 10; i++)
        {
            granted += await first.TryAcquireAsync(destination, 5, Window, CancellationToken.None) is null ? 1 : 0;
            granted += await second.TryAcquireAsync(destination, 5, Window, CancellationToken.None) is null ? 1 : 0;
        }

        Assert.Equal(5, granted);
    }

    [Fact]
    public async Task Redis_down_falls_back_to_a_per_instance_window()
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{FreePort.Next()},abortConnect=false,connectTimeout=200");
        var limiter = Limiter(redis);
        var destination = Guid.CreateVersion7();

        var results = new List<TimeSpan?>();
        for (var i = 0; i < 8; i++)
        {
            results.Add(await limiter.TryAcquireAsync(destination, 3, Window, CancellationToken.None));
        }

        Assert.True(limiter.UsingFallback);
        Assert.Equal(3, results.Count(r => r is null));
    }

    [Fact]
    public async Task Two_service_instances_deliver_to_a_limited_destination_within_its_limit()
    {
        await using var sink = await WebhookSinkServer.StartAsync();
        await using var first = await DistributorApp.StartAsync(deps);
        await using var second = DistributorApp.StartSibling(first);
        var request = DistributorClient.Destination(sink.UrlFor("/hooks/limited"), maxConcurrency: 8) with { RateLimitPerSecond = 5 };
        await first.Client.CreateDestinationAsync(request);

        var ids = new List<Guid>();
        for (var i = 0; i < 16; i++)
        {
            ids.Add((await (i % 2 == 0 ? first : second).Client.PostEventAsync("chat.message", new { i })).Distributions[0].Id);
        }

        foreach (var id in ids)
        {
            await first.Client.WaitForStatusAsync(id, DistributorService.Data.DistributionStatus.Succeeded, TimeSpan.FromSeconds(60));
        }

        // 16 requests at 5 per sliding second need at least three windows after the first grant (5 + 5 + 5 + 1). Measured at the
        // receiver, where the first requests may arrive late (their connections are set up after the grant), so the bound
        // keeps a margin. The old per-instance token bucket (5 at once, 5 per refill, per instance) sent all 16 within a second.
        var arrivals = sink.RequestsTo("/hooks/limited").Select(r => r.ReceivedAt).Order().ToList();
        Assert.Equal(16, arrivals.Count);
        var span = arrivals[^1] - arrivals[0];
        var fallback = new[] { first, second }.Select(a => a.Services.GetRequiredService<DestinationRateLimiter>().UsingFallback).ToArray();
        Assert.True(span >= TimeSpan.FromSeconds(1.5), $"16 requests at 5/s arrived within {span.TotalMilliseconds:0} ms (fallback "
            + string.Join(",", fallback) + "; arrivals " +
                string.Join(" ", arrivals.Select(t => (t - arrivals[0]).TotalMilliseconds.ToString("0"))) + ")");
    }

    private static DestinationRateLimiter Limiter(IConnectionMultiplexer redis) =>
        new(new ServiceCollection().AddSingleton(redis).BuildServiceProvider(), new FixedOptions(new DistributorOptions()),
            TimeProvider.System, NullLogger<DestinationRateLimiter>.Instance);

    private sealed class FixedOptions(DistributorOptions value) : IOptionsMonitor<DistributorOptions>
    {
        public DistributorOptions CurrentValue => value;

        public DistributorOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<DistributorOptions, string?> listener) => null;
    }
}
