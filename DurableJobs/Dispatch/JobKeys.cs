namespace DurableJobs.Dispatch;

/// <summary>Redis key and channel names of the mechanism.</summary>
internal static class JobKeys
{
    /// <summary>Field of a stream entry that holds the job id.</summary>
    public const string IdField = "id";

    /// <summary>Pub/sub channel carrying ids of running jobs whose cancellation was requested.</summary>
    public const string CancelChannel = "jobs:cancel";

    public static string Stream(string queue) => $"jobs:{queue}";

    public static string DeadLetterStream(string queue) => $"jobs:{queue}:dlq";

    /// <summary>Pub/sub channel that wakes idle workers of a queue after a dispatch.</summary>
    public static string WakeChannel(string queue) => $"jobs:{queue}:wake";

    /// <summary>SETEX key holding a worker's heartbeat (queue, current jobs, time).</summary>
    public static string Worker(string workerId) => $"jobs:worker:{workerId}";

    /// <summary>Sorted set of a service's workers scored by last heartbeat (unix ms), so they can be listed without SCAN.</summary>
    public static string WorkerIndex(string service) => $"jobs:workers:{service}";
}
