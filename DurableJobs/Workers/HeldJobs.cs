using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using DurableJobs.Storage;

namespace DurableJobs.Workers;

/// <summary>
/// The jobs one queue's worker holds and the slots that bound them: back-pressure instead of unbounded memory. The
/// claim loop reserves free slots (<see cref="QueueOptions.Concurrency"/> + <see cref="QueueOptions.BufferSize"/>)
/// before it claims, hands what it claimed to the executors through a bounded channel, and an executor frees the job's
/// slot once the job is settled or released. A job is held from its claim until then; the heartbeat renews the leases
/// of the held jobs and the drain stops and releases them.
/// </summary>
internal sealed class HeldJobs
{
    private readonly ConcurrentDictionary<Guid, HeldJob> _held = new();
    private readonly SemaphoreSlim _capacity;
    private readonly Channel<HeldJob> _buffer;
    private readonly RunningJobs _running;
    private volatile bool _aborted;

    public HeldJobs(int slots, RunningJobs running)
    {
        Slots = slots;
        _running = running;
        _capacity = new SemaphoreSlim(slots, slots);
        _buffer = Channel.CreateBounded<HeldJob>(new BoundedChannelOptions(slots) { SingleWriter = true });
    }

    public int Slots { get; }

    public int Count => _held.Count;

    public ICollection<Guid> Ids => _held.Keys;

    public ICollection<HeldJob> All => _held.Values;

    public bool TryGet(Guid id, [MaybeNullWhen(false)] out HeldJob held) => _held.TryGetValue(id, out held);

    /// <summary>Waits for a free slot, then takes every other slot free at this moment; returns how many it took.</summary>
    public async Task<int> ReserveAsync(CancellationToken cancellationToken)
    {
        await _capacity.WaitAsync(cancellationToken).ConfigureAwait(false);
        var permits = 1;
        while (permits < Slots && _capacity.Wait(0))
        {
            permits++;
        }

        return permits;
    }

    /// <summary>Gives back reserved slots that no claimed job took.</summary>
    public void Unreserve(int permits) => _capacity.Release(permits);

    /// <summary>Holds the claimed jobs (one reserved slot each) and puts them in the buffer for the executors.</summary>
    public void Hand(List<ClaimedJob> claimed)
    {
        foreach (var job in claimed)
        {
            var held = new HeldJob(job);
            _held[job.Id] = held;
            _running.Add(held);
            if (_aborted)
            {
                held.Stop(HeldJob.StopReason.Shutdown);
            }

            if (!_buffer.Writer.TryWrite(held))
            {
                throw new InvalidOperationException("The job buffer refused a claimed job although a slot was reserved for it.");
            }
        }
    }

    /// <summary>
    /// The executors' feed. It ends only once <see cref="Complete"/> was called and the buffer is empty, never on a
    /// token: at stop every held job is still run or released, never dropped.
    /// </summary>
    // why: no token: the feed ends by Complete(), so every held job is run or released at stop (see above)
    public IAsyncEnumerable<HeldJob> ReadAllAsync() => _buffer.Reader.ReadAllAsync(CancellationToken.None);

    /// <summary>No more claimed jobs come (the claim loop ended).</summary>
    public void Complete() => _buffer.Writer.TryComplete();

    /// <summary>The job was settled or released (or its executor failed): no longer held, its slot is free.</summary>
    public void Done(HeldJob held)
    {
        _held.TryRemove(new KeyValuePair<Guid, HeldJob>(held.Id, held));
        _running.Remove(held);
        _capacity.Release();
    }

    /// <summary>Fires the tokens of every held job, and of every job claimed from now on, with reason shutdown.</summary>
    public void StopAll()
    {
        _aborted = true;
        foreach (var held in _held.Values)
        {
            held.Stop(HeldJob.StopReason.Shutdown);
        }
    }
}
