using DistributorService.Data;
using DistributorService.Delivery;
using DistributorService.Options;
using DurableJobs;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DistributorService.Intake;

/// <summary>Builds the durable job of a distribution: payload, per-destination attempts and timeout.</summary>
public sealed class DeliveryJobs(IJobScheduler scheduler, IOptions<DistributorOptions> options)
{
    /// <summary>
    /// Stages the job in the DbContext (stored by the caller's next SaveChanges, atomically with the distribution,
    /// dispatched once that commits) and points the distribution at it.
    /// </summary>
    public void Stage(Distribution distribution, Destination destination) =>
        distribution.JobId = scheduler.Stage(
            new DeliveryJobPayload(distribution.Id, destination.Id), Options(distribution, destination)).Id;

    /// <summary>
    /// The jobs of these distributions as one command for the caller's Npgsql batch in its DbContext transaction
    /// (<see cref="IJobScheduler.StageCommand{TJob}"/>: one multi-row INSERT, dispatched once that commits); points each
    /// distribution at its job.
    /// </summary>
    public NpgsqlBatchCommand StageCommand(IReadOnlyList<(Distribution Distribution, Destination Destination)> deliveries)
    {
        var (command, ids) = scheduler.StageCommand(
            [.. deliveries.Select(d => (new DeliveryJobPayload(d.Distribution.Id, d.Destination.Id),
                Options(d.Distribution, d.Destination)))]);
        for (var i = 0; i < ids.Count; i++)
        {
            deliveries[i].Distribution.JobId = ids[i];
        }

        return command;
    }

    /// <summary>How a distribution's job is enqueued: the destination's attempts and a timeout that covers one attempt.</summary>
    public EnqueueOptions Options(Distribution distribution, Destination destination)
    {
        var delivery = options.Value.Delivery;
        var timeout = TimeSpan.FromSeconds(destination.TimeoutSeconds) + delivery.JobTimeoutMargin + delivery.MaxInlineBackoff
                      + TimeSpan.FromMilliseconds(destination.BatchMaxWaitMs ?? 0);
        return new EnqueueOptions(
            IdempotencyKey: $"distribution:{distribution.Id}:{distribution.ReplayCount}",
            Timeout: timeout,
            MaxAttempts: destination.MaxAttempts);
    }
}
