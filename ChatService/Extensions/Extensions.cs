using ChatService.Data;
using ServiceDefaults.Data;
using ServiceDefaults.Redis;

namespace ChatService.Extensions;

public static class Extensions
{
    /// <summary>Everything ChatService needs besides the service defaults: database, Redis, feature services.</summary>
    public static IHostApplicationBuilder AddChatServices(this IHostApplicationBuilder builder)
    {
        builder.AddPostgresDbContext<ChatDbContext>("chatdb");
        builder.AddRedisConnection("redis");
        return builder;
    }
}
