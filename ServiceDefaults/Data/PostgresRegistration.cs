using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;
using ServiceDefaults.Health;

namespace ServiceDefaults.Data;

public static class PostgresRegistration
{
    /// <summary>
    /// Registers a pooled <typeparamref name="TContext"/> on <c>ConnectionStrings:{connectionName}</c> (as Aspire injects it)
    /// with the budgets of <see cref="DatabaseOptions"/>, a bounded readiness check and, when configured, migrations at start-up.
    /// A missing or malformed connection string stops the service at start with a message naming the variable.
    /// </summary>
    public static IHostApplicationBuilder AddPostgresDbContext<TContext>(this IHostApplicationBuilder builder, string connectionName)
        where TContext : DbContext
    {
        builder.Services.AddOptions<DatabaseOptions>()
            .Bind(builder.Configuration.GetSection(DatabaseOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var options = builder.Configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var connectionString = ConnectionStrings.Postgres(builder.Configuration, connectionName, options);

        builder.Services.AddKeyedSingleton(connectionName, (_, _) =>
        {
            var dataSource = new NpgsqlDataSourceBuilder(connectionString);
            dataSource.EnableDynamicJson();
            return dataSource.Build();
        });
        builder.Services.AddDbContextPool<TContext>((sp, o) =>
            o.UseNpgsql(sp.GetRequiredKeyedService<NpgsqlDataSource>(connectionName),
                npgsql => npgsql.CommandTimeout(DatabaseOptions.WholeSeconds(options.CommandTimeout))),
            options.DbContextPoolSize);

        // Aspire's client integration on the pooled context we registered: EF Core's and Npgsql's traces and metrics
        // (meter Microsoft.EntityFrameworkCore: queries, SaveChanges, pool use). Its retrying execution strategy stays
        // off: every service runs its own transactions (DurableJobs, intake, outbox), which a retrying strategy refuses,
        // and a retry would re-run a statement outside the caller's budget. Its health check stays off too: ours
        // below is time-boxed and drops dead pooled connections. The command timeout stays ours (DatabaseOptions).
        builder.EnrichNpgsqlDbContext<TContext>(settings =>
        {
            settings.DisableRetry = true;
            settings.DisableHealthChecks = true;
        });

        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration("postgres",
            sp => new PostgresHealthCheck(sp.GetRequiredKeyedService<NpgsqlDataSource>(connectionName)),
            HealthStatus.Unhealthy, [HealthTags.Ready]));

        if (options.MigrateOnStartup)
        {
            builder.Services.AddHostedService<DatabaseMigrator<TContext>>();
        }

        return builder;
    }
}
