using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace DurableJobs.Tests.Infrastructure;

/// <summary>
/// A real generic host with the real registration (AddDurableJobs + AddQueue), real PostgreSQL and Redis:
/// one "service instance". Several in one process simulate replicas.
/// </summary>
public sealed class JobsTestHost : IAsyncDisposable
{
    private bool _stopped;
    private bool _disposed;

    private JobsTestHost(IHost host, JobsHostSettings settings)
    {
        Host = host;
        Settings = settings;
    }

    public IHost Host { get; }

    public JobsHostSettings Settings { get; }

    public IServiceProvider Services => Host.Services;

    /// <summary>Short intervals so every recovery path runs within a test's few seconds.</summary>
    public static void FastJobs(DurableJobsOptions o)
    {
        o.SweepInterval = TimeSpan.FromMilliseconds(100);
        o.RedispatchAfter = TimeSpan.FromSeconds(1);
        o.StuckGrace = TimeSpan.FromMilliseconds(500);
        o.RedisTimeout = TimeSpan.FromSeconds(1);
        o.RedisRetryInterval = TimeSpan.FromMilliseconds(300);
        o.IdlePollInterval = TimeSpan.FromMilliseconds(200);
        o.FallbackPollInterval = TimeSpan.FromMilliseconds(50);
        o.ClaimIdleThreshold = TimeSpan.FromSeconds(1);
        o.AutoClaimInterval = TimeSpan.FromMilliseconds(500);
        o.OutcomeWriteTimeout = TimeSpan.FromSeconds(5);
        o.StatsCacheDuration = TimeSpan.Zero;
    }

    public static void FastQueue(QueueOptions o)
    {
        o.Concurrency = 2;
        o.LeaseDuration = TimeSpan.FromSeconds(2);
        o.HeartbeatInterval = TimeSpan.FromMilliseconds(300);
        o.DefaultTimeout = TimeSpan.FromSeconds(20);
        o.MaxTimeout = TimeSpan.FromMinutes(1);
        o.RetryInitialDelay = TimeSpan.FromMilliseconds(50);
        o.RetryMaxDelay = TimeSpan.FromMilliseconds(200);
    }

    public static async Task<JobsTestHost> StartAsync(JobsHostSettings settings, ITestOutputHelper output,
        CancellationToken cancellationToken)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ApplicationName = settings.Service,
            EnvironmentName = Environments.Development,
        });
        builder.ConfigureContainer(new DefaultServiceProviderFactory(new ServiceProviderOptions { ValidateOnBuild = true,
            ValidateScopes = true }));
        ConfigureLogging(builder.Logging, output, settings.Name);
        AddJobs(builder.Services, settings);

        var host = builder.Build();
        await using (var scope = host.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<TestJobsContext>().Database.EnsureCreatedAsync(cancellationToken);
        }

        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new JobsTestHost(host, settings);
    }

    /// <summary>The registration a service makes: DbContext, Redis multiplexer, AddDurableJobs + AddQueue.</summary>
    public static void AddJobs(IServiceCollection services, JobsHostSettings settings)
    {
        services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.ShutdownTimeout);
        services.AddDbContextPool<TestJobsContext>(o => o.UseNpgsql(settings.Database));
        if (settings.Redis is { } redis)
        {
            services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(RedisOptions(redis)));
        }

        var jobs = services.AddDurableJobs<TestJobsContext>(o =>
        {
            FastJobs(o);
            settings.JobsOptions?.Invoke(o);
            o.ServiceName = settings.Service;
        });
        void Queue(QueueOptions o)
        {
            FastQueue(o);
            settings.QueueOptions?.Invoke(o);
        }

        if (settings.Typed)
        {
            if (settings.Script is { } typedScript)
            {
                services.AddSingleton(typedScript);
                services.AddSingleton<TypedJobsSeen>();
                jobs.AddQueue<NoteJob, TypedScriptedHandler>(settings.Queue, Queue);
            }
            else
            {
                jobs.AddEnqueueOnlyQueue<NoteJob>(settings.Queue, Queue);
            }
        }
        else if (settings.Script is { } script)
        {
            services.AddSingleton(script);
            jobs.AddQueue<ScriptedHandler>(settings.Queue, Queue);
        }
        else
        {
            jobs.AddQueue(settings.Queue, Queue);
        }
    }

    public static void ConfigureLogging(ILoggingBuilder logging, ITestOutputHelper output, string name)
    {
        logging.ClearProviders();
        logging.AddProvider(new XunitLoggerProvider(output, name));
        logging.SetMinimumLevel(LogLevel.Information);
        logging.AddFilter("Microsoft", LogLevel.Warning);
    }

    /// <summary>Wraps a host started elsewhere (a web application with the admin endpoints).</summary>
    public static JobsTestHost Adopt(IHost host, JobsHostSettings settings) => new(host, settings);

    public static ConfigurationOptions RedisOptions(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 1000;
        options.SyncTimeout = 1000;
        options.AsyncTimeout = 1000;
        options.ReconnectRetryPolicy = new LinearRetry(200);
        return options;
    }

    public JobRequest Request(object? payload = null, TimeSpan? timeout = null, int? maxAttempts = null, string? idempotencyKey = null) =>
        new(Settings.Queue, JsonSerializer.SerializeToElement(payload ?? new { }), Owner: "tester", IdempotencyKey: idempotencyKey,
            Timeout: timeout, MaxAttempts: maxAttempts);

    public async Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider);
    }

    public Task<EnqueueResult> EnqueueAsync(JobRequest request, CancellationToken cancellationToken) =>
        InScopeAsync(sp => sp.GetRequiredService<IJobScheduler>().EnqueueAsync(request, cancellationToken));

    /// <summary>Stages the requests and stores them with one SaveChanges per batch (how a service enqueues many at once).</summary>
    public async Task<List<Guid>> StageAsync(IReadOnlyList<JobRequest> requests, int batch, CancellationToken cancellationToken)
    {
        var ids = new List<Guid>(requests.Count);
        foreach (var chunk in requests.Chunk(batch))
        {
            await InScopeAsync(async sp =>
            {
                var scheduler = sp.GetRequiredService<IJobScheduler>();
                ids.AddRange(chunk.Select(r => scheduler.Stage(r).Id));
                return await sp.GetRequiredService<TestJobsContext>().SaveChangesAsync(cancellationToken);
            });
        }

        return ids;
    }

    public Task<JobSnapshot?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        InScopeAsync(sp => sp.GetRequiredService<IJobScheduler>().GetAsync(id, cancellationToken));

    public Task<bool> CancelAsync(Guid id, CancellationToken cancellationToken) =>
        InScopeAsync(sp => sp.GetRequiredService<IJobScheduler>().CancelAsync(id, cancellationToken));

    /// <summary>The raw row (lease owner, dispatch time …) through the service's own DbContext.</summary>
    public Task<JobRecord> RowAsync(Guid id, CancellationToken cancellationToken) =>
        InScopeAsync(sp => sp.GetRequiredService<TestJobsContext>().Jobs.AsNoTracking().SingleAsync(j => j.Id == id, cancellationToken));

    public Task<List<JobRecord>> RowsAsync(CancellationToken cancellationToken) =>
        InScopeAsync(sp => sp.GetRequiredService<TestJobsContext>().Jobs.AsNoTracking().Where(j => j.Queue == Settings.Queue)
            .ToListAsync(cancellationToken));

    public IDatabase Redis => Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();

    /// <summary>Graceful stop: what the host does on SIGTERM.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await Host.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Abrupt end, as close to kill -9 as one process allows: no stop, nothing released, leases simply lapse.</summary>
    public async Task CrashAsync()
    {
        _stopped = true;
        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_stopped)
        {
            await StopAsync();
        }

        if (Host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync();
        }
        else
        {
            Host.Dispose();
        }
    }
}
