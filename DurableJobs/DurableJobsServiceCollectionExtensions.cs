using DurableJobs.Admin;
using DurableJobs.Dispatch;
using DurableJobs.Monitoring;
using DurableJobs.Storage;
using DurableJobs.Sweeping;
using DurableJobs.Workers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ServiceDefaults.Health;

namespace DurableJobs;

/// <summary>Registration of the job mechanism.</summary>
public static class DurableJobsServiceCollectionExtensions
{
    /// <summary>Configuration section of <see cref="DurableJobsOptions"/>; queues live under <c>Jobs:Queues:&lt;queue&gt;</c>.</summary>
    public const string SectionName = "Jobs";

    /// <summary>Name of the health check (tagged <c>ready</c>).</summary>
    public const string HealthCheckName = "jobs";

    /// <summary>
    /// Adds durable jobs stored in <typeparamref name="TContext"/>'s database (map the table with
    /// <c>modelBuilder.ApplyDurableJobs()</c>), configured from <paramref name="section"/> (usually <c>Jobs</c>):
    /// its values, and those of <c>Queues:&lt;queue&gt;</c>, override what code sets.
    /// Dispatch uses the <see cref="StackExchange.Redis.IConnectionMultiplexer"/> registered by the service, if any.
    /// </summary>
    public static DurableJobsBuilder AddDurableJobs<TContext>(this IServiceCollection services, IConfiguration section)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(section);
        return AddCore<TContext>(services, configure: null, _ => section, _ => section.GetSection("Queues"));
    }

    /// <summary>
    /// Adds durable jobs stored in <typeparamref name="TContext"/>'s database, with options set in code; the
    /// application's <c>Jobs</c> configuration section (when there is one) overrides them.
    /// </summary>
    public static DurableJobsBuilder AddDurableJobs<TContext>(this IServiceCollection services,
        Action<DurableJobsOptions>? configure = null)
        where TContext : DbContext =>
        AddCore<TContext>(services, configure,
            sp => sp.GetService<IConfiguration>()?.GetSection(SectionName),
            sp => sp.GetService<IConfiguration>()?.GetSection($"{SectionName}:Queues"));

    private static DurableJobsBuilder AddCore<TContext>(IServiceCollection services, Action<DurableJobsOptions>? configure,
        Func<IServiceProvider, IConfiguration?> section, Func<IServiceProvider, IConfiguration?> queuesSection)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(QueueRegistry)))
        {
            throw new InvalidOperationException("AddDurableJobs was called twice; register all queues on the builder it returns.");
        }

        var registry = new QueueRegistry();
        services.AddSingleton(registry);
        services.TryAddEnumerable(
            ServiceDescriptor.Singleton<ServiceDefaults.Endpoints.IDefaultEndpoints, Admin.DurableJobsAdminEndpoints.DefaultEndpoints>());

        var options = services.AddOptions<DurableJobsOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Configure<IServiceProvider>((o, sp) => section(sp)?.Bind(o))
            .PostConfigure<IServiceProvider>((o, sp) => o.ServiceName ??= DefaultServiceName(sp))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<QueueOptions>, QueueOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<JobTelemetry>();
        services.AddSingleton<RedisLink>();
        services.AddSingleton<QueueWakeups>();
        services.AddSingleton<JobDispatcher>();
        services.AddSingleton<PendingDispatches>();
        services.AddSingleton<JobSaveChangesInterceptor>();
        services.AddSingleton<JobTransactionInterceptor>();
        services.AddSingleton<RunningJobs>();
        services.AddSingleton<QueueMonitor>();
        services.AddSingleton<WorkerDirectory>();
        services.AddSingleton<JobsHealthCheck>();
        services.AddScoped(sp => new JobStore(sp.GetRequiredService<TContext>()));
        services.AddScoped<IJobScheduler, JobScheduler>();

        services.ConfigureDbContext<TContext>((sp, builder) => builder.AddInterceptors(
            sp.GetRequiredService<JobSaveChangesInterceptor>(),
            sp.GetRequiredService<JobTransactionInterceptor>()));

        services.AddHostedService<JobSweeper>();
        services.AddOptions<Retention.RetentionOptions>().BindConfiguration(Retention.RetentionOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        // Finished jobs expire; dead letters are kept longer (an owner that keeps its own dead letters, such as the
        // distributor's distributions, should keep them no longer than this, so the counts agree).
        services.AddSingleton(new Retention.RetentionFamily("jobs-finished", TimeSpan.FromDays(7),
            c => Retention.RetentionFamily.DeleteBatch(
            JobStore.QualifiedTableName(c), "state IN ('succeeded', 'failed', 'cancelled', 'timed_out') AND finished_at < @cutoff")));
        services.AddSingleton(new Retention.RetentionFamily("jobs-dead-lettered", TimeSpan.FromDays(30),
            c => Retention.RetentionFamily.DeleteBatch(
            JobStore.QualifiedTableName(c), "state = 'dead_lettered' AND finished_at < @cutoff")));
        services.AddSingleton<Retention.RetentionPruner<TContext>>();
        services.AddHostedService(sp => sp.GetRequiredService<Retention.RetentionPruner<TContext>>());
        services.AddHostedService<RedisSignalListener>();
        services.AddHealthChecks().Add(new HealthCheckRegistration(
            HealthCheckName,
            sp => sp.GetRequiredService<JobsHealthCheck>(),
            failureStatus: null,
            tags: [HealthTags.Ready],
            timeout: TimeSpan.FromSeconds(2)));

        return new DurableJobsBuilder(services, registry, queuesSection);
    }

    private static string DefaultServiceName(IServiceProvider services)
    {
        var name = services.GetService<IHostEnvironment>()?.ApplicationName;
        if (string.IsNullOrWhiteSpace(name))
        {
            return "jobs";
        }

        var cleaned = new string([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-')]);
        return cleaned.Length > 100 ? cleaned[..100] : cleaned;
    }
}
