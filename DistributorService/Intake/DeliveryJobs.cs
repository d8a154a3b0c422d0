using System.Text.Json;
using DistributorService.Data;
using DistributorService.Delivery;
using DistributorService.Options;
using DurableJobs;
using Microsoft.Extensions.Options;

namespace DistributorService.Intake;

/// <summary>Builds the durable job of a distribution: payload, per-destination attempts and timeout.</summary>
public sealed class DeliveryJobs(IJobScheduler scheduler, IOptions<DistributorOptions> options)
{
    /// <summary>
    /// Stages the job in the DbContext (stored by the caller's next SaveChanges, atomically with the distribution,
    /// dispatched once that commits) and points the distribution at it.
    /// </summary>
    public void Stage(Distribution distribution, Destination destination)
    {
        var delivery = options.Value.Delivery;
        var timeout = TimeSpan.FromSeconds(destination.TimeoutSeconds) + delivery.JobTimeoutMargin + delivery.MaxInlineBackoff
                      + TimeSpan.FromMilliseconds(destination.BatchMaxWaitMs ?? 0);
        var request = new JobRequest(
            DeliveryJobHandler.Queue,
            JsonSerializer.SerializeToElement(new DeliveryJobPayload(distribution.Id), JsonSerializerOptions.Web),
            IdempotencyKey: $"distribution:{distribution.Id}:{distribution.ReplayCount}",
            Timeout: timeout,
            MaxAttempts: destination.MaxAttempts);
        distribution.JobId = scheduler.Stage(request).Id;
    }
}
