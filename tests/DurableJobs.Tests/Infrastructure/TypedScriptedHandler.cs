namespace DurableJobs.Tests.Infrastructure;

/// <summary>The typed test handler: records the payload it was given, then runs the host's <see cref="JobScript"/>.</summary>
public sealed class TypedScriptedHandler(JobScript script, TypedJobsSeen seen) : IJobHandler<NoteJob>
{
    public Task<object?> HandleAsync(NoteJob job, JobContext context, CancellationToken cancellationToken)
    {
        seen.Add(context.JobId, job);
        return script.RunAsync(context, cancellationToken);
    }
}

/// <summary>The typed payloads the handler received, by job id (a singleton per host).</summary>
public sealed class TypedJobsSeen
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, NoteJob> _jobs = new();

    public void Add(Guid jobId, NoteJob job) => _jobs[jobId] = job;

    public NoteJob? Get(Guid jobId) => _jobs.GetValueOrDefault(jobId);
}
