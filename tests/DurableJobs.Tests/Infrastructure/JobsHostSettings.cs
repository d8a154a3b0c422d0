namespace DurableJobs.Tests.Infrastructure;

/// <summary>One simulated service instance: its database, its Redis, its queue and what the handler does.</summary>
public sealed record JobsHostSettings(string Name, string Database, string? Redis, string Service, string Queue)
{
    /// <summary>The handler's behaviour; null for a host that only enqueues.</summary>
    public JobScript? Script { get; init; }

    /// <summary>Registers the queue as typed (<c>AddQueue&lt;NoteJob, TypedScriptedHandler&gt;</c>, or enqueue-only for NoteJob).</summary>
    public bool Typed { get; init; }

    public Action<QueueOptions>? QueueOptions { get; init; }

    public Action<DurableJobsOptions>? JobsOptions { get; init; }

    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
