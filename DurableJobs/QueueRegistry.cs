namespace DurableJobs;

/// <summary>The queues registered with <see cref="DurableJobsBuilder.AddQueue(string, Action{QueueOptions}?)"/>; filled while services are
/// configured.</summary>
internal sealed class QueueRegistry
{
    private readonly Dictionary<string, bool> _queues = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, string> _jobTypes = [];

    public IReadOnlyCollection<string> Names => _queues.Keys;

    public string[] NamesArray => [.. _queues.Keys];

    public bool Contains(string queue) => _queues.ContainsKey(queue);

    /// <summary>Whether this process runs the queue's handler (false: it only enqueues).</summary>
    public bool RunsHere(string queue) => _queues.TryGetValue(queue, out var runs) && runs;

    public void Add(string queue, bool runsHere)
    {
        if (_queues.ContainsKey(queue))
        {
            throw new InvalidOperationException($"Queue '{queue}' is registered twice.");
        }

        _queues.Add(queue, runsHere);
    }

    /// <summary>Ties a job type to its queue (one queue per type, so a typed enqueue needs no queue name).</summary>
    public void AddJobType(Type jobType, string queue)
    {
        if (!_jobTypes.TryAdd(jobType, queue))
        {
            throw new InvalidOperationException($"Job type {jobType.Name} is already the job of queue '{_jobTypes[jobType]}'.");
        }
    }

    public string QueueOf(Type jobType) => _jobTypes.TryGetValue(jobType, out var queue)
        ? queue
        : throw new InvalidOperationException(
            $"No queue takes jobs of type {jobType.Name}: register it with AddQueue<{jobType.Name}, THandler>.");
}
