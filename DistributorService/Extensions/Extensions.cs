using DistributorService.Data;
using ServiceDefaults.Data;
using ServiceDefaults.Redis;

namespace DistributorService.Extensions;

public static class Extensions
{
    /// <summary>Everything DistributorService needs besides the service defaults: database, Redis, feature services.</summary>
    public static IHostApplicationBuilder AddDistributorServices(this IHostApplicationBuilder builder)
    {
        builder.AddPostgresDbContext<DistributorDbContext>("distdb");
        builder.AddRedisConnection("redis");
        return builder;
    }
}
