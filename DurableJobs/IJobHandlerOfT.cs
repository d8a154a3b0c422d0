namespace DurableJobs;

/// <summary>
/// Runs one attempt of a job of type <typeparamref name="TJob"/>, registered with
/// <see cref="DurableJobsBuilder.AddQueue{TJob, THandler}(string, Action{QueueOptions}?)"/>. The payload is read back
/// from its jsonb (web defaults) before the call; one that does not parse fails the job without retry
/// (<c>INVALID_PAYLOAD</c>). Otherwise the same contract as <see cref="IJobHandler"/>.
/// </summary>
public interface IJobHandler<in TJob>
{
    Task<object?> HandleAsync(TJob job, JobContext context, CancellationToken cancellationToken);
}
