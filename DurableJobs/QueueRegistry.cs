namespace DurableJobs;

/// <summary>The queues registered with <see cref="DurableJobsBuilder.AddQueue(string, Action{QueueOptions}?)"/>; filled while services are configured.</summary>
internal sealed class QueueRegistry
{
    private readonly Dictionary<string, bool> _queues = new(StringComparer.Ordinal);

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
}
