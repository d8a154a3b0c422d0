using DurableJobs;

namespace JobsBench;

/// <summary>Does nothing but record its start, so the figures measure the mechanism alone.</summary>
public sealed class NoopHandler(StartTimes times) : IJobHandler
{
    public Task<object?> HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        times.Started(job.JobId);
        times.Finished();
        return Task.FromResult<object?>(null);
    }
}
