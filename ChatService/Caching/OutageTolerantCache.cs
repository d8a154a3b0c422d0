using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using StackExchange.Redis;

namespace ChatService.Caching;

/// <summary>
/// The Redis L2 of HybridCache, made a miss (not an error, not a multi-second wait) while Redis is down: when the
/// multiplexer is disconnected the call is skipped, and a Redis error on a connected multiplexer is logged and ignored.
/// </summary>
internal sealed class OutageTolerantCache(RedisCache inner, IConnectionMultiplexer redis,
    ILogger<OutageTolerantCache> logger) : IDistributedCache
{
    public byte[]? Get(string key) => redis.IsConnected ? Guard(() => inner.Get(key), null) : null;

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default) =>
        redis.IsConnected ? await GuardAsync(() => inner.GetAsync(key, token), null) : null;

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        if (redis.IsConnected)
        {
            Guard(() => { inner.Set(key, value, options); return true; }, false);
        }
    }

    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        if (redis.IsConnected)
        {
            await GuardAsync(async () => { await inner.SetAsync(key, value, options, token); return true; }, false);
        }
    }

    public void Refresh(string key)
    {
        if (redis.IsConnected)
        {
            Guard(() => { inner.Refresh(key); return true; }, false);
        }
    }

    public async Task RefreshAsync(string key, CancellationToken token = default)
    {
        if (redis.IsConnected)
        {
            await GuardAsync(async () => { await inner.RefreshAsync(key, token); return true; }, false);
        }
    }

    public void Remove(string key)
    {
        if (redis.IsConnected)
        {
            Guard(() => { inner.Remove(key); return true; }, false);
        }
    }

    public async Task RemoveAsync(string key, CancellationToken token = default)
    {
        if (redis.IsConnected)
        {
            await GuardAsync(async () => { await inner.RemoveAsync(key, token); return true; }, false);
        }
    }

    private T Guard<T>(Func<T> action, T fallback)
    {
        try
        {
            return action();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            logger.LogDebug("Redis cache unavailable, treated as a miss: {Error}", ex.Message);
            return fallback;
        }
    }

    private async Task<T> GuardAsync<T>(Func<Task<T>> action, T fallback)
    {
        try
        {
            return await action();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            logger.LogDebug("Redis cache unavailable, treated as a miss: {Error}", ex.Message);
            return fallback;
        }
    }
}
