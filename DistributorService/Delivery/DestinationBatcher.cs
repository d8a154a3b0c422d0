using System.Collections.Concurrent;

namespace DistributorService.Delivery;

/// <summary>
/// Collects deliveries of batching destinations: a batch is sent when it reaches maxSize or maxWaitMs after its
/// first item, whichever comes first, and every delivery in it gets the batch's outcome.
/// </summary>
public sealed class DestinationBatcher(DeliverySender sender, TimeProvider time)
{
    private sealed class PendingBatch
    {
        public readonly List<(byte[] Body, TaskCompletionSource<DeliveryOutcome> Result)> Items = [];
        public bool Sealed;
    }

    private readonly ConcurrentDictionary<Guid, PendingBatch> _open = new();
    private readonly Lock _gate = new();

    public async Task<DeliveryOutcome> SubmitAsync(DeliveryTarget target, byte[] body, CancellationToken cancellationToken)
    {
        var maxSize = target.BatchMaxSize ?? 1;
        var maxWait = TimeSpan.FromMilliseconds(target.BatchMaxWaitMs ?? 0);
        var result = new TaskCompletionSource<DeliveryOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        PendingBatch? full = null;
        var first = false;
        PendingBatch batch;
        lock (_gate)
        {
            batch = _open.GetOrAdd(target.Id, _ => new PendingBatch());
            batch.Items.Add((body, result));
            first = batch.Items.Count == 1;
            if (batch.Items.Count >= maxSize)
            {
                batch.Sealed = true;
                _open.TryRemove(target.Id, out _);
                full = batch;
            }
        }

        if (full is not null)
        {
            // why: the batch belongs to several callers; its send is bounded by the destination timeout
            _ = FlushAsync(target, full, CancellationToken.None);
        }
        else if (first)
        {
            _ = FlushAfterAsync(target, batch, maxWait);
        }

        // The batch's send is bounded by the destination timeout; the wait adds at most maxWait on top.
        return await result.Task.WaitAsync(maxWait + target.Timeout + TimeSpan.FromSeconds(5), time, cancellationToken);
    }

    private async Task FlushAfterAsync(DeliveryTarget target, PendingBatch batch, TimeSpan maxWait)
    {
        await Task.Delay(maxWait, time, CancellationToken.None); // why: bounded by the destination's batch maxWaitMs
        lock (_gate)
        {
            if (batch.Sealed)
            {
                return;
            }

            batch.Sealed = true;
            _open.TryRemove(new KeyValuePair<Guid, PendingBatch>(target.Id, batch));
        }

        await FlushAsync(target, batch, CancellationToken.None); // why: shared batch; bounded by the destination timeout
    }

    private async Task FlushAsync(DeliveryTarget target, PendingBatch batch, CancellationToken cancellationToken)
    {
        try
        {
            var body = DeliveryBody.ForBatch(batch.Items.Select(i => i.Body).ToList());
            var outcome = await sender.SendAsync(target, $"batch_{Guid.CreateVersion7(time.GetUtcNow())}", body, cancellationToken);
            foreach (var item in batch.Items)
            {
                item.Result.TrySetResult(outcome); // why: a TaskCompletionSource, not Task.Result
            }
        }
        catch (Exception ex)
        {
            foreach (var item in batch.Items)
            {
                item.Result.TrySetException(ex); // why: a TaskCompletionSource, not Task.Result
            }
        }
    }
}
