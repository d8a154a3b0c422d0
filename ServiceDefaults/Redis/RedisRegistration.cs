using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using ServiceDefaults.Data;
using ServiceDefaults.Health;
using StackExchange.Redis;

namespace ServiceDefaults.Redis;

public static class RedisRegistration
{
    /// <summary>
    /// Registers one shared <see cref="IConnectionMultiplexer"/> on <c>ConnectionStrings:{connectionName}</c> with
    /// <c>AbortOnConnectFail=false</c> (the service starts and keeps reconnecting while Redis is down) and bounded
    /// timeouts, plus a readiness check tagged <paramref name="readinessTag"/> that reports Degraded (not Unhealthy):
    /// every service keeps doing useful work without Redis.
    /// </summary>
    public static IHostApplicationBuilder AddRedisConnection(this IHostApplicationBuilder builder, string connectionName,
        string readinessTag = HealthTags.Ready)
    {
        builder.Services.AddOptions<RedisOptions>()
            .Bind(builder.Configuration.GetSection(RedisOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var options = builder.Configuration.GetSection(RedisOptions.Section).Get<RedisOptions>() ?? new RedisOptions();
        var raw = ConnectionStrings.Required(builder.Configuration, connectionName);
        ConfigurationOptions configuration;
        try
        {
            configuration = ConfigurationOptions.Parse(raw);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"Connection string ConnectionStrings__{connectionName} is malformed: {ex.Message}", ex);
        }

        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = (int)options.ConnectTimeout.TotalMilliseconds;
        configuration.SyncTimeout = (int)options.SyncTimeout.TotalMilliseconds;
        configuration.AsyncTimeout = (int)options.AsyncTimeout.TotalMilliseconds;
        configuration.KeepAlive = (int)Math.Ceiling(options.KeepAlive.TotalSeconds);
        configuration.ClientName ??= builder.Environment.ApplicationName;

        // why: with AbortOnConnectFail=false Connect returns after at most ConnectTimeout and reconnects in the background.
        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(configuration));
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration("redis",
            sp => new RedisHealthCheck(sp.GetRequiredService<IConnectionMultiplexer>()),
            HealthStatus.Degraded, [readinessTag]));
        return builder;
    }
}
