using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace DurableJobs.Monitoring;

/// <summary>
/// Readiness check <c>jobs</c>: degraded when a queue's oldest due job has waited longer than its
/// <see cref="QueueOptions.OldestQueuedDegradedAfter"/>; unhealthy when the job table cannot be read.
/// Reads cached statistics (bounded, at most one query per cache period).
/// </summary>
internal sealed class JobsHealthCheck(QueueMonitor monitor, IOptionsMonitor<QueueOptions> queueOptions) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<Storage.QueueStats> stats;
        try
        {
            stats = await monitor.GetAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "The job table cannot be read.", ex);
        }

        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var behind = new List<string>();
        foreach (var queue in stats)
        {
            var age = queue.OldestDueAge ?? TimeSpan.Zero;
            data[queue.Queue] = $"depth={queue.Depth} running={queue.Running} oldest={age.TotalSeconds:F0}s";
            if (age > queueOptions.Get(queue.Queue).OldestQueuedDegradedAfter)
            {
                behind.Add(queue.Queue);
            }
        }

        return behind.Count == 0
            ? HealthCheckResult.Healthy("Job queues are keeping up.", data)
            : HealthCheckResult.Degraded($"Queues falling behind: {string.Join(", ", behind)}.", data: data);
    }
}
