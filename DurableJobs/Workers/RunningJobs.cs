using System.Collections.Concurrent;

namespace DurableJobs.Workers;

/// <summary>
/// The jobs this process holds, by id, so a cancel request (API call in this process, pub/sub message, or the
/// cancel flag seen on a heartbeat) reaches the handler's token.
/// </summary>
internal sealed class RunningJobs
{
    private readonly ConcurrentDictionary<Guid, HeldJob> _jobs = new();

    public void Add(HeldJob job) => _jobs[job.Id] = job;

    public void Remove(HeldJob job) => _jobs.TryRemove(new KeyValuePair<Guid, HeldJob>(job.Id, job));

    /// <summary>Signals the handler of a job held here; false when this process does not hold it.</summary>
    public bool RequestCancel(Guid id)
    {
        if (!_jobs.TryGetValue(id, out var job))
        {
            return false;
        }

        job.Stop(HeldJob.StopReason.Cancelled);
        return true;
    }
}
