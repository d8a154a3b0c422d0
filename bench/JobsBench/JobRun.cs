using System.Diagnostics;
using System.Text.Json;
using DurableJobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace JobsBench;

/// <summary>One service instance running the real mechanism (AddDurableJobs + AddQueue) with a no-op handler.</summary>
public sealed class JobRun(string postgres, string redis, int pool) : IAsyncDisposable
{
    public const string Queue = "bench";
    private IHost? _host;

    public StartTimes Times { get; } = new();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = "jobsbench" });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(Times);
        builder.Services.AddDbContextPool<BenchContext>(o => o.UseNpgsql($"{postgres};Maximum Pool Size=64;No Reset On Close=true"));
        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(new ConfigurationOptions
        {
            EndPoints = { redis },
            AbortOnConnectFail = false,
            ConnectTimeout = 2000,
            SyncTimeout = 2000,
            AsyncTimeout = 2000,
        }));
        builder.Services.AddDurableJobs<BenchContext>(o => o.ServiceName = "jobsbench")
            .AddQueue<NoopHandler>(Queue, o =>
            {
                o.Concurrency = pool;
                o.BufferSize = pool * 4;
            });
        _host = builder.Build();
        await using (var scope = _host.Services.CreateAsyncScope())
        {
            var database = scope.ServiceProvider.GetRequiredService<BenchContext>().Database;
            await database.EnsureDeletedAsync(cancellationToken);
            await database.EnsureCreatedAsync(cancellationToken);
        }

        await _host.StartAsync(cancellationToken);
    }

    /// <summary>Enqueues <paramref name="count"/> jobs in batches (Stage + one SaveChanges per batch) and waits for all to complete.</summary>
    public async Task<(TimeSpan Total, TimeSpan Enqueue)> RunBatchedAsync(int count, int batch, TimeSpan deadline, CancellationToken cancellationToken)
    {
        Times.Reset();
        var payload = JsonSerializer.SerializeToElement(new { noop = true });
        var start = Stopwatch.GetTimestamp();
        for (var done = 0; done < count; done += batch)
        {
            await using var scope = Services.CreateAsyncScope();
            var scheduler = scope.ServiceProvider.GetRequiredService<IJobScheduler>();
            var ids = new List<Guid>(batch);
            for (var i = done; i < Math.Min(count, done + batch); i++)
            {
                ids.Add(scheduler.Stage(new JobRequest(Queue, payload)).Id);
            }

            var now = Stopwatch.GetTimestamp();
            foreach (var id in ids)
            {
                Times.Enqueued(id, now);
            }

            await scope.ServiceProvider.GetRequiredService<BenchContext>().SaveChangesAsync(cancellationToken);
        }

        var enqueue = Stopwatch.GetElapsedTime(start);
        await WaitForAsync(count, deadline, cancellationToken);
        return (Stopwatch.GetElapsedTime(start, Times.LastCompletion), enqueue);
    }

    /// <summary>Enqueues at a steady <paramref name="perSecond"/> (batches every 20 ms) to show latency below saturation.</summary>
    public async Task RunPacedAsync(int count, int perSecond, TimeSpan deadline, CancellationToken cancellationToken)
    {
        Times.Reset();
        var payload = JsonSerializer.SerializeToElement(new { noop = true });
        var perTick = Math.Max(1, perSecond / 50);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        for (var done = 0; done < count && await timer.WaitForNextTickAsync(cancellationToken); done += perTick)
        {
            await using var scope = Services.CreateAsyncScope();
            var scheduler = scope.ServiceProvider.GetRequiredService<IJobScheduler>();
            var ids = new List<Guid>(perTick);
            for (var i = done; i < Math.Min(count, done + perTick); i++)
            {
                ids.Add(scheduler.Stage(new JobRequest(Queue, payload)).Id);
            }

            var now = Stopwatch.GetTimestamp();
            foreach (var id in ids)
            {
                Times.Enqueued(id, now);
            }

            await scope.ServiceProvider.GetRequiredService<BenchContext>().SaveChangesAsync(cancellationToken);
        }

        await WaitForAsync(count, deadline, cancellationToken);
    }

    /// <summary>Enqueues one job per <c>EnqueueAsync</c> call from <paramref name="callers"/> concurrent callers, as an API would.</summary>
    public async Task<TimeSpan> RunSingleAsync(int count, int callers, TimeSpan deadline, CancellationToken cancellationToken)
    {
        Times.Reset();
        var payload = JsonSerializer.SerializeToElement(new { noop = true });
        var next = -1;
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < count)
            {
                await using var scope = Services.CreateAsyncScope();
                var enqueued = Stopwatch.GetTimestamp();
                var result = await scope.ServiceProvider.GetRequiredService<IJobScheduler>().EnqueueAsync(new JobRequest(Queue, payload), cancellationToken);
                Times.Enqueued(result.Job.Id, enqueued);
            }
        }));
        var enqueue = Stopwatch.GetElapsedTime(start);
        await WaitForAsync(count, deadline, cancellationToken);
        return enqueue;
    }

    private IServiceProvider Services => (_host ?? throw new InvalidOperationException("Not started.")).Services;

    private async Task WaitForAsync(int count, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (Times.Completed < count)
        {
            if (waited.Elapsed > deadline)
            {
                throw new TimeoutException($"Only {Times.Completed} of {count} jobs completed within {deadline}.");
            }

            await Task.Delay(5, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync(CancellationToken.None); // why: benchmark driver, not product code; bounded by the run's own duration/timeouts
            _host.Dispose();
        }
    }
}
