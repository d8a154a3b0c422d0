namespace DurableJobs.Tests.Infrastructure;

/// <summary>The test queue's handler: runs the host's <see cref="JobScript"/>.</summary>
public sealed class ScriptedHandler(JobScript script) : IJobHandler
{
    public Task<object?> HandleAsync(JobContext job, CancellationToken cancellationToken) => script.RunAsync(job, cancellationToken);
}
