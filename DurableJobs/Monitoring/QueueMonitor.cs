using System.Diagnostics.Metrics;
using DurableJobs.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DurableJobs.Monitoring;

/// <summary>
/// Per-queue statistics from the job table, cached for <see cref="DurableJobsOptions.StatsCacheDuration"/> and
/// computed with a bound, so health probes, admin calls and metric scrapes never hammer or wait on the database.
/// The sweeper keeps the cache warm; the gauges only read the cache.
/// </summary>
internal sealed class QueueMonitor : IDisposable
{
    private readonly IServiceScopeFactory _scopes;
    private readonly QueueRegistry _registry;
    private readonly DurableJobsOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private Snapshot? _latest;

    public QueueMonitor(IServiceScopeFactory scopes, QueueRegistry registry, IOptions<DurableJobsOptions> options, JobTelemetry telemetry,
        TimeProvider time)
    {
        _scopes = scopes;
        _registry = registry;
        _options = options.Value;
        _time = time;
        telemetry.Meter.CreateObservableGauge("jobs.queue.depth", () => Measure(s => s.Depth), "{job}", "Queued jobs (capped).");
        telemetry.Meter.CreateObservableGauge("jobs.queue.running", () => Measure(s => s.Running), "{job}",
            "Running jobs across all workers.");
        telemetry.Meter.CreateObservableGauge("jobs.queue.dead_letters", () => Measure(s => s.DeadLetters), "{job}",
            "Dead-lettered jobs (capped).");
        telemetry.Meter.CreateObservableGauge("jobs.oldest_queued_age",
            () => (Volatile.Read(ref _latest)?.Stats ?? []).Select(s =>
                new Measurement<double>(s.OldestDueAge?.TotalSeconds ?? 0,
                    new KeyValuePair<string, object?>(JobTelemetry.QueueTag, s.Queue))),
            "s", "How long the longest-waiting due job has waited.");
    }

    /// <summary>Cached statistics, refreshed first when older than the cache duration. Throws when the database cannot answer in
    /// time.</summary>
    public async Task<IReadOnlyList<QueueStats>> GetAsync(CancellationToken cancellationToken)
    {
        if (Fresh() is { } fresh)
        {
            return fresh;
        }

        using var timeout = new CancellationTokenSource(_options.StatsTimeout, _time);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        await _refresh.WaitAsync(bound.Token).ConfigureAwait(false);
        try
        {
            if (Fresh() is { } refreshed)
            {
                return refreshed;
            }

            await using var scope = _scopes.CreateAsyncScope();
            var store = scope.ServiceProvider.GetRequiredService<JobStore>();
            var stats = await store.GetStatsAsync(_registry.NamesArray, _options.StatsCountCap, bound.Token).ConfigureAwait(false);
            Volatile.Write(ref _latest, new Snapshot(stats, _time.GetTimestamp()));
            return stats;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private IReadOnlyList<QueueStats>? Fresh()
    {
        var latest = Volatile.Read(ref _latest);
        return latest is not null && _time.GetElapsedTime(latest.Timestamp) < _options.StatsCacheDuration ? latest.Stats : null;
    }

    private IEnumerable<Measurement<long>> Measure(Func<QueueStats, long> value) =>
        (Volatile.Read(ref _latest)?.Stats ?? []).Select(s =>
            new Measurement<long>(value(s), new KeyValuePair<string, object?>(JobTelemetry.QueueTag, s.Queue)));

    public void Dispose() => _refresh.Dispose();

    private sealed record Snapshot(IReadOnlyList<QueueStats> Stats, long Timestamp);
}
