using System.Text.Json;
using DistributorService.Data;
using DistributorService.Delivery;
using DistributorService.Destinations;
using DistributorService.Intake;
using DistributorService.Options;
using DistributorService.Telemetry;
using DurableJobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DistributorService.Health;

/// <summary>
/// Periodic maintenance on every instance (each step is idempotent, so instances may overlap): destination health
/// (probe <c>healthUrl</c>, else judge recent delivery outcomes), auto-disable with a <c>destination.disabled</c> event,
/// reconciliation of distributions whose job ended without the handler seeing it (stuck distributions), and the
/// snapshot behind the metric gauges.
/// </summary>
public sealed partial class DestinationHealthMonitor(
    IServiceScopeFactory scopes,
    DestinationConnections connections,
    DestinationCatalog catalog,
    SecretProtector secrets,
    DistributorMetrics metrics,
    IOptionsMonitor<DistributorOptions> options,
    TimeProvider time,
    ILogger<DestinationHealthMonitor> logger) : BackgroundService
{
    public const string DisabledEventType = "destination.disabled";

    private DateTimeOffset _lastHealthRound = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var tick = TimeSpan.FromMilliseconds(Math.Min(options.CurrentValue.Health.Interval.TotalMilliseconds,
            options.CurrentValue.Health.GaugeRefreshInterval.TotalMilliseconds));
        using var timer = new PeriodicTimer(tick, time);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // A database outage must not end the loop: the next tick tries again.
                LogRoundFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DistributorDbContext>();
        await DiscardOrphanDeadLettersAsync(db, cancellationToken);
        await RefreshCountsAsync(db, cancellationToken);
        if (time.GetUtcNow() - _lastHealthRound >= options.CurrentValue.Health.Interval)
        {
            _lastHealthRound = time.GetUtcNow();
            await CheckDestinationsAsync(scope.ServiceProvider, db, cancellationToken);
            await ReconcileStuckAsync(scope.ServiceProvider, db, cancellationToken);
        }
    }

    /// <summary>
    /// The distributions are the truth about dead letters; the job mechanism's count follows them. A dead-lettered delivery
    /// job that no distribution points at any more (replayed with a new job, its destination deleted, or left from before
    /// replay and delete discarded them) is deleted, in small batches (dead-lettered jobs by their partial index, each checked
    /// by the distribution id in its payload).
    /// </summary>
    private async Task DiscardOrphanDeadLettersAsync(DistributorDbContext db, CancellationToken cancellationToken)
    {
        var jobs = db.Model.FindEntityType(typeof(JobRecord))!;
        var table = jobs.GetSchema() is { } schema ? $"\"{schema}\".\"{jobs.GetTableName()}\"" : $"\"{jobs.GetTableName()}\"";
        // why: the only interpolated values are the model's table name and a constant queue name, no input.
        var sql = $"""
            DELETE FROM {table} WHERE id IN (
                SELECT j.id FROM {table} j
                WHERE j.queue = '{DeliveryJobPayload.Queue}' AND j.state = 'dead_lettered'
                  AND NOT EXISTS (SELECT 1 FROM distributions d
                                  WHERE d."Id" = (j.payload->>'distributionId')::uuid AND d."JobId" = j.id)
                LIMIT 500)
            """;
        var discarded = await db.Database.ExecuteSqlRawAsync(sql, cancellationToken);
        if (discarded > 0)
        {
            LogOrphansDiscarded(discarded);
        }
    }

    private async Task RefreshCountsAsync(DistributorDbContext db, CancellationToken cancellationToken)
    {
        var counts = await db.Distributions.GroupBy(d => d.Status).Select(g => new { g.Key, Count = g.LongCount() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        foreach (var status in DistributionStatus.All)
        {
            counts.TryAdd(status, 0);
        }

        metrics.Update(new DistributionCounts(counts, time.GetUtcNow()));
    }

    private async Task CheckDestinationsAsync(IServiceProvider services, DistributorDbContext db, CancellationToken cancellationToken)
    {
        var health = options.CurrentValue.Health;
        var destinations = await db.Destinations.AsNoTracking().Where(d => d.Enabled).ToListAsync(cancellationToken);
        var since = time.GetUtcNow() - health.OutcomeWindow;
        foreach (var destination in destinations)
        {
            var status = destination.HealthUrl is not null
                ? await ProbeAsync(destination, cancellationToken)
                : await JudgeOutcomesAsync(db, destination.Id, since, health, cancellationToken) ?? destination.HealthStatus;
            var now = time.GetUtcNow();
            DateTimeOffset? unhealthySince = status == DestinationHealthStatus.Unhealthy ? destination.UnhealthySince ?? now : null;
            await db.Destinations.Where(d => d.Id == destination.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.HealthStatus, status)
                    .SetProperty(d => d.LastHealthCheckAt, now)
                    .SetProperty(d => d.UnhealthySince, unhealthySince), cancellationToken);
            if (status != destination.HealthStatus)
            {
                LogHealthChanged(destination.Id, destination.Name, destination.HealthStatus, status);
            }

            if (health.AutoDisable && unhealthySince is { } from && now - from >= health.AutoDisableAfter)
            {
                await DisableAsync(services, db, destination, from, cancellationToken);
            }
        }
    }

    private async Task<string> ProbeAsync(Destination destination, CancellationToken cancellationToken)
    {
        var target = DeliveryTarget.From(destination, secrets);
        var connection = connections.For(target);
        using var timeout = new CancellationTokenSource(options.CurrentValue.Health.CheckTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var started = time.GetTimestamp();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, destination.HealthUrl);
            using var response = await connection.Invoker.SendAsync(request, linked.Token);
            if (!response.IsSuccessStatusCode)
            {
                return DestinationHealthStatus.Unhealthy;
            }

            // Slow answers count as degraded: half the destination's own timeout is the line.
            return time.GetElapsedTime(started) > target.Timeout / 2 ? DestinationHealthStatus.Degraded : DestinationHealthStatus.Healthy;
        }
        catch (Exception ex) when (ex is HttpRequestException
            || (ex is OperationCanceledException && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested))
        {
            return DestinationHealthStatus.Unhealthy;
        }
    }

    private static async Task<string?> JudgeOutcomesAsync(DistributorDbContext db, Guid destinationId, DateTimeOffset since,
        HealthMonitorOptions health, CancellationToken cancellationToken)
    {
        var outcomes = await db.DeliveryAttempts
            .Where(a => a.StartedAt >= since && db.Distributions.Any(d => d.Id == a.DistributionId && d.DestinationId == destinationId))
            .GroupBy(a => 1)
            .Select(g => new { Total = g.Count(), Failed = g.Count(a => a.ErrorCode != null) })
            .FirstOrDefaultAsync(cancellationToken);
        if (outcomes is null || outcomes.Total < health.MinimumOutcomes)
        {
            return outcomes is null ? DestinationHealthStatus.Healthy : null;
        }

        var ratio = (double)outcomes.Failed / outcomes.Total;
        return ratio >= health.UnhealthyFailureRatio ? DestinationHealthStatus.Unhealthy
            : ratio >= health.DegradedFailureRatio ? DestinationHealthStatus.Degraded
            : DestinationHealthStatus.Healthy;
    }

    private async Task DisableAsync(IServiceProvider services, DistributorDbContext db, Destination destination,
        DateTimeOffset unhealthySince, CancellationToken cancellationToken)
    {
        var reason = $"unhealthy since {unhealthySince:O}";
        // Only the instance whose update wins emits the event.
        var changed = await db.Destinations.Where(d => d.Id == destination.Id && d.Enabled)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Enabled, false)
                .SetProperty(d => d.DisabledReason, reason)
                .SetProperty(d => d.UpdatedAt, time.GetUtcNow()), cancellationToken);
        if (changed == 0)
        {
            return;
        }

        catalog.Invalidate(destination.Id);
        LogDisabled(destination.Id, destination.Name, unhealthySince);
        var payload = JsonSerializer.Serialize(new
        {
            destinationId = destination.Id,
            name = destination.Name,
            reason,
            unhealthySince,
        }, JsonSerializerOptions.Web);
        var intake = services.GetRequiredService<EventIntake>();
        await intake.AcceptAsync(Publishers.Self, DisabledEventType, payload,
            $"destination.disabled:{destination.Id}:{unhealthySince.ToUnixTimeMilliseconds()}", cancellationToken);
    }

    /// <summary>
    /// A distribution left in pending/processing long after its last change whose job has already finished (a crash or
    /// timeout on the last attempt) gets the status its job implies; a parked one without a job is left alone.
    /// </summary>
    private async Task ReconcileStuckAsync(IServiceProvider services, DistributorDbContext db, CancellationToken cancellationToken)
    {
        var stuckBefore = time.GetUtcNow() - options.CurrentValue.Delivery.StuckAfter;
        var stuck = await db.Distributions.AsNoTracking()
            .Where(d => (d.Status == DistributionStatus.Pending || d.Status == DistributionStatus.Processing) && d.JobId != null
                && d.UpdatedAt < stuckBefore)
            .OrderBy(d => d.UpdatedAt).Take(200)
            .Select(d => new { d.Id, d.JobId, d.Status })
            .ToListAsync(cancellationToken);
        if (stuck.Count == 0)
        {
            return;
        }

        var scheduler = services.GetRequiredService<IJobScheduler>();
        foreach (var distribution in stuck)
        {
            var job = await scheduler.GetAsync(distribution.JobId!.Value, cancellationToken);
            var status = job?.State switch
            {
                JobState.Succeeded => null, // The handler records success before the job completes; nothing to infer.
                JobState.DeadLettered or JobState.TimedOut => DistributionStatus.DeadLettered,
                JobState.Failed or JobState.Cancelled => DistributionStatus.Failed,
                null => DistributionStatus.Failed,
                _ => null,
            };
            if (status is null)
            {
                continue;
            }

            var code = job?.ErrorCode ?? "JOB_MISSING";
            var changed = await db.Distributions.Where(d => d.Id == distribution.Id && d.JobId == distribution.JobId
                                                             && (d.Status == DistributionStatus.Pending
                                                                 || d.Status == DistributionStatus.Processing))
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, status)
                    .SetProperty(d => d.LastErrorCode, code)
                    .SetProperty(d => d.LastError, job == null ? "The distribution's job no longer exists." : job.ErrorMessage)
                    .SetProperty(d => d.UpdatedAt, time.GetUtcNow()), cancellationToken);
            if (changed > 0)
            {
                LogReconciled(distribution.Id, distribution.Status, status, job?.State.ToString() ?? "missing");
            }
        }
    }

    [LoggerMessage(EventId = 24, Level = LogLevel.Information,
        Message = "Discarded {Count} dead-lettered delivery jobs no distribution points at (replayed, or their destination deleted)")]
    private partial void LogOrphansDiscarded(int count);

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Destination maintenance round failed; retrying on the next tick")]
    private partial void LogRoundFailed(Exception exception);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information,
        Message = "Destination {DestinationId} ({Destination}) health {PreviousStatus} -> {HealthStatus}")]
    private partial void LogHealthChanged(Guid destinationId, string destination, string previousStatus, string healthStatus);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning,
        Message = "Destination {DestinationId} ({Destination}) disabled automatically: unhealthy since {UnhealthySince}")]
    private partial void LogDisabled(Guid destinationId, string destination, DateTimeOffset unhealthySince);

    [LoggerMessage(EventId = 23, Level = LogLevel.Warning,
        Message = "Stuck distribution {DistributionId} reconciled {PreviousStatus} -> {Status} from its job state {JobState}")]
    private partial void LogReconciled(Guid distributionId, string previousStatus, string status, string jobState);
}
