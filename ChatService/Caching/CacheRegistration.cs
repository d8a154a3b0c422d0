using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using StackExchange.Redis;

namespace ChatService.Caching;

public static class CacheRegistration
{
    /// <summary>HybridCache (memory L1) with Redis as L2 through the service's shared multiplexer; a Redis outage is a miss.</summary>
    public static IHostApplicationBuilder AddChatCache(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<RedisCache>(sp =>
        {
            var redis = sp.GetRequiredService<IConnectionMultiplexer>();
            return new RedisCache(new RedisCacheOptions
            {
                ConnectionMultiplexerFactory = () => Task.FromResult(redis),
                InstanceName = "chat:",
            });
        });
        builder.Services.AddSingleton<IDistributedCache, OutageTolerantCache>();
        builder.Services.AddHybridCache(o =>
        {
            o.MaximumPayloadBytes = 1024 * 1024;
            o.DefaultEntryOptions = new Microsoft.Extensions.Caching.Hybrid.HybridCacheEntryOptions
            {
                Expiration = TimeSpan.FromMinutes(10),
                LocalCacheExpiration = TimeSpan.FromMinutes(10),
            };
        });
        return builder;
    }
}
