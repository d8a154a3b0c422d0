namespace DurableJobs.Tests.Infrastructure;

/// <summary>What the test's handler does, shared by every host of a test (a singleton in each host).</summary>
public sealed class JobScript(Func<JobContext, CancellationToken, Task<object?>> run)
{
    public Task<object?> RunAsync(JobContext job, CancellationToken cancellationToken) => run(job, cancellationToken);
}
