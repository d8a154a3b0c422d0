using ChatService.Tests.Infrastructure;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Testing;

namespace ChatService.Tests;

/// <summary>HybridCache's in-memory layer is bounded (Cache:LocalSizeLimitBytes) and refuses oversized entries
/// (Cache:MaximumEntryBytes).</summary>
[Collection("dependencies")]
public sealed class CacheBoundsTests(DependenciesFixture deps) : IAsyncLifetime
{
    private const int LocalLimit = 16 * 1024;
    private ChatApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma: null, simulator: null,
            new Dictionary<string, string?>
            {
                ["Cache:LocalSizeLimitBytes"] = LocalLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Cache:MaximumEntryBytes"] = "4096",
            });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static readonly HybridCacheEntryOptions RedisOnly = new() { Flags = HybridCacheEntryFlags.DisableLocalCache };

    [Fact]
    public async Task The_memory_layer_cannot_grow_beyond_its_size_limit()
    {
        var cache = _app.Get<HybridCache>();
        var memory = (MemoryCache)_app.Get<IMemoryCache>();
        var prefix = Guid.NewGuid().ToString("N");
        for (var i = 0; i < 200; i++)
        {
            // about 1 KiB each, written as the services write (memory and Redis): 200 KiB offered to a 16 KiB memory layer
            await cache.SetAsync($"{prefix}:{i}", new Payload(new string('x', 1000) + i));
        }

        var size = memory.GetCurrentStatistics()!.CurrentEstimatedSize;
        Assert.NotNull(size);
        Assert.InRange(size.Value, 1, LocalLimit);
        Assert.InRange(memory.Count, 1, LocalLimit / 1000);
    }

    [Fact]
    public async Task An_entry_over_the_maximum_entry_size_is_not_written_to_redis()
    {
        var cache = _app.Get<HybridCache>();
        var big = $"big:{Guid.NewGuid():N}";
        var small = $"small:{Guid.NewGuid():N}";
        await cache.SetAsync(big, new Payload(new string('y', 10_000)), RedisOnly);
        await cache.SetAsync(small, new Payload("ok"), RedisOnly);

        // The small one reaches Redis; the 10 kB one is over Cache:MaximumEntryBytes (4 KiB) and never does.
        await Eventually.UntilAsync(async () => await ReadAsync(cache, small) is not null, TimeSpan.FromSeconds(10),
            "the small entry should be stored");
        Assert.Null(await ReadAsync(cache, big));
    }

    private static async Task<Payload?> ReadAsync(HybridCache cache, string key) =>
        await cache.GetOrCreateAsync<Payload?>(key, _ => ValueTask.FromResult<Payload?>(null),
            new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableLocalCache | HybridCacheEntryFlags.DisableUnderlyingData });

    public sealed record Payload(string Text);
}
