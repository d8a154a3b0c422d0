using EvaluationService.Data;
using ServiceDefaults.Data;
using ServiceDefaults.Redis;

namespace EvaluationService.Extensions;

public static class Extensions
{
    /// <summary>Everything EvaluationService needs besides the service defaults: database, Redis, feature services.</summary>
    public static IHostApplicationBuilder AddEvaluationServices(this IHostApplicationBuilder builder)
    {
        builder.AddPostgresDbContext<EvaluationDbContext>("evaldb");
        builder.AddRedisConnection("redis");
        return builder;
    }
}
