using System.Text.Json;
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
        distribution.JobId = scheduler.Stage(Request(distribution, destination)).Id;

    /// <summary>
    /// The jobs of these distributions as one command for the caller's Npgsql batch in its DbContext transaction
    /// (<see cref="IJobScheduler.StageCommand"/>: dispatched once that commits); points each distribution at its job.
    /// </summary>
    public NpgsqlBatchCommand StageCommand(IReadOnlyList<(Distribution Distribution, Destination Destination)> deliveries)
    {
        var (command, ids) = scheduler.StageCommand([.. deliveries.Select(d => Request(d.Distribution, d.Destination))]);
        for (var i = 0; i < ids.Count; i++)
        {
            deliveries[i].Distribution.JobId = ids[i];
        }

        return command;
    }

    /// <summary>The job of a distribution: its payload, the destination's attempts and a timeout that covers one attempt.</summary>
    public JobRequest Request(Distribution distribution, Destination destination)
    {
        var delivery = options.Value.Delivery;
        var timeout = TimeSpan.FromSeconds(destination.TimeoutSeconds) + delivery.JobTimeoutMargin + delivery.MaxInlineBackoff
                      + TimeSpan.FromMilliseconds(destination.BatchMaxWaitMs ?? 0);
        return new JobRequest(
            DeliveryJobHandler.Queue,
            JsonSerializer.SerializeToElement(new DeliveryJobPayload(distribution.Id, destination.Id), JsonSerializerOptions.Web),
            IdempotencyKey: $"distribution:{distribution.Id}:{distribution.ReplayCount}",
            Timeout: timeout,
            MaxAttempts: destination.MaxAttempts);
    }
}
