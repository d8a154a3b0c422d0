using System.Threading.Channels;
using DurableJobs.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DurableJobs.Workers;

/// <summary>
/// Group commit for the common outcome: successes that arrive while a write is in flight are written together in
/// the next single statement. No added latency when idle (a lone success is written at once); under load one
/// UPDATE settles many jobs. Each write is still fenced per job by lease owner and attempt.
/// </summary>
internal sealed class SuccessBatcher(IServiceScopeFactory scopes, string worker)
{
    private const int MaxBatch = 500;
    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>True when written, false when the lease was lost meanwhile; throws when the statement failed.</summary>
    public Task<bool> WriteAsync(Guid id, int attempt, string? resultJson, CancellationToken cancellationToken)
    {
        var pending = new Pending(id, attempt, resultJson,
            new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_pending.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("The worker is stopped; no more outcomes are written in batches.");
        }

        return pending.Written.Task.WaitAsync(cancellationToken);
    }

    public void Complete() => _pending.Writer.TryComplete();

    /// <summary>The single writer loop; ends after <see cref="Complete"/> once everything queued is written.</summary>
    public async Task RunAsync(TimeSpan statementTimeout, TimeProvider time)
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _pending.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            try
            {
                using var bound = new CancellationTokenSource(statementTimeout, time);
                await using var scope = scopes.CreateAsyncScope();
                var written = (await scope.ServiceProvider.GetRequiredService<JobStore>()
                    .SucceedManyAsync([.. batch.Select(p => (p.Id, p.Attempt, p.ResultJson))], worker, bound.Token).ConfigureAwait(false))
                    .ToHashSet();
                foreach (var pending in batch)
                {
                    pending.Written.TrySetResult(written.Contains(pending.Id));
                }
            }
            catch (Exception ex)
            {
                // Each waiting executor gets the failure and writes its own outcome with retries.
                foreach (var pending in batch)
                {
                    pending.Written.TrySetException(ex);
                }
            }
        }
    }

    private sealed record Pending(Guid Id, int Attempt, string? ResultJson, TaskCompletionSource<bool> Written);
}
