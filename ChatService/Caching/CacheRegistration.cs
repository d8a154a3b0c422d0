using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using StackExchange.Redis;

namespace ChatService.Caching;

public static class CacheRegistration
{
    /// <summary>
    /// HybridCache (memory L1, bounded by <see cref="CacheOptions"/>) with Redis as L2 through the service's shared multiplexer;
    /// a Redis outage is a miss.
    /// </summary>
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
        builder.Services.AddSingleton<QueryEmbeddingCache>();
        builder.Services.AddOptions<CacheOptions>().BindConfiguration(CacheOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var limits = builder.Configuration.GetSection(CacheOptions.Section).Get<CacheOptions>() ?? new CacheOptions();
        // why: HybridCache's memory layer is the shared IMemoryCache; without a size limit a hostile caller asking ever new
        // questions grows it without bound. HybridCache gives each entry its serialized size, so the limit is in bytes.
        builder.Services.AddMemoryCache(o =>
        {
            o.SizeLimit = limits.LocalSizeLimitBytes;
            o.TrackStatistics = true;
        });
        builder.Services.AddHybridCache(o =>
        {
            o.MaximumPayloadBytes = limits.MaximumEntryBytes;
            o.DefaultEntryOptions = new Microsoft.Extensions.Caching.Hybrid.HybridCacheEntryOptions
            {
                Expiration = TimeSpan.FromMinutes(10),
                LocalCacheExpiration = TimeSpan.FromMinutes(10),
            };
        });
        return builder;
    }
}
