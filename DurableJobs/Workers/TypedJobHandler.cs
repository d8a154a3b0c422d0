using System.Text.Json;

namespace DurableJobs.Workers;

/// <summary>The queue's <see cref="IJobHandler"/> for a typed handler: reads the payload and passes it on.</summary>
internal sealed class TypedJobHandler<TJob, THandler>(THandler handler) : IJobHandler
    where THandler : IJobHandler<TJob>
{
    public Task<object?> HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        TJob payload;
        try
        {
            payload = job.GetPayload<TJob>();
        }
        catch (JsonException ex)
        {
            // why: a payload of the wrong shape fails the same way on every attempt; retrying it only delays the dead letter.
            throw new PermanentJobException("INVALID_PAYLOAD", $"Payload of job {job.JobId} is not a {typeof(TJob).Name}.", ex);
        }

        return handler.HandleAsync(payload, job, cancellationToken);
    }
}
