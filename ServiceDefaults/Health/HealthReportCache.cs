using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ServiceDefaults.Health;

/// <summary>
/// Serves health reports from a short cache and refreshes them in the background (stale-while-revalidate),
/// so a probe storm reaches each dependency at most once per cache period and a probe answers in
/// milliseconds even while a dependency hangs: only the very first probe ever waits, and at most the
/// checks' own timeout.
/// </summary>
public sealed class HealthReportCache(
    HealthCheckService health,
    IOptions<ServiceDefaultsOptions> options,
    TimeProvider time,
    ILogger<HealthReportCache> logger)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = new();

    private sealed class Entry
    {
        public HealthReport? Report;
        public DateTimeOffset RefreshedAt;
        public Task<HealthReport>? Refreshing;
    }

    /// <summary>
    /// The latest report of the checks tagged <paramref name="tag"/> without waiting: null before the first one; a stale
    /// report starts a background refresh (for metrics, which must answer a scrape at once).
    /// </summary>
    public HealthReport? Peek(string? tag)
    {
        // why: no token: GetAsync answers at once from the cache (or starts the bounded refresh and is not awaited here)
        var pending = GetAsync(tag, CancellationToken.None);
        if (pending.IsCompletedSuccessfully)
        {
            return pending.Result; // why: completed (IsCompletedSuccessfully), no wait
        }

        // The first report is still being made: nobody waits for it here, so observe its outcome (a timeout) ourselves.
        // why: CancellationToken.None below: the continuation only observes a fault of the bounded refresh
        _ = pending.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted,
            TaskScheduler.Default);
        return null;
    }

    /// <summary>The report of the checks tagged <paramref name="tag"/> (all checks when null).</summary>
    public async Task<HealthReport> GetAsync(string? tag, CancellationToken cancellationToken)
    {
        Task<HealthReport> refresh;
        lock (_gate)
        {
            var key = tag ?? "*";
            if (!_entries.TryGetValue(key, out var entry))
            {
                entry = new Entry();
                _entries[key] = entry;
            }

            var fresh = entry.Report is not null && time.GetUtcNow() - entry.RefreshedAt < options.Value.HealthCacheDuration;
            if (fresh)
            {
                return entry.Report!;
            }

            refresh = entry.Refreshing ??= RefreshAsync(key, entry, tag);
            if (entry.Report is { } stale)
            {
                return stale;
            }
        }

        // First report ever for this tag: wait for it, bounded by the checks' own timeouts plus a margin.
        return await refresh.WaitAsync(options.Value.HealthCheckTimeout + TimeSpan.FromSeconds(1), time, cancellationToken);
    }

    private async Task<HealthReport> RefreshAsync(string key, Entry entry, string? tag)
    {
        await Task.Yield();
        HealthReport report;
        try
        {
            // Not tied to any one probe: a probe that gives up must not cancel the shared refresh.
            using var cts = new CancellationTokenSource(options.Value.HealthCheckTimeout + TimeSpan.FromSeconds(1), time);
            report = await health.CheckHealthAsync(r => tag is null || r.Tags.Contains(tag), cts.Token)
                .WaitAsync(options.Value.HealthCheckTimeout + TimeSpan.FromSeconds(1), time, cts.Token);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            logger.LogWarning("Health checks for {HealthTag} did not finish within their budget", key);
            report = new HealthReport(new Dictionary<string, HealthReportEntry>
            {
                ["health-checks"] = new(HealthStatus.Unhealthy, "Health checks did not finish within their budget.",
                    options.Value.HealthCheckTimeout, ex, null),
            }, options.Value.HealthCheckTimeout);
        }

        lock (_gate)
        {
            entry.Report = report;
            entry.RefreshedAt = time.GetUtcNow();
            entry.Refreshing = null;
        }

        return report;
    }
}
