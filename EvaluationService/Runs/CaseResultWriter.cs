using System.Threading.Channels;
using EvaluationService.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace EvaluationService.Runs;

/// <summary>
/// Stores a run's finished cases off the cases' slots: a case hands its result over and its slot takes the next case
/// at once, while one writer stores whatever has accumulated in one round trip (one <c>SaveChanges</c> of up to
/// <see cref="MaxBatch"/> rows). <see cref="CompleteAsync"/> returns once every handed-over result is stored, so the
/// run's summary (written after it) covers every finished case; a write failure ends the run like a failed write in
/// the case did (the job is retried and resumes), with the results stored so far kept.
/// </summary>
public sealed partial class CaseResultWriter : IAsyncDisposable
{
    /// <summary>Most rows in one write (EF Core sends them as one batch).</summary>
    public const int MaxBatch = 100;

    private readonly Channel<CaseResult> _pending;
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeSpan _writeTimeout;
    private readonly ILogger _logger;
    private readonly Task _writer;

    public CaseResultWriter(IServiceScopeFactory scopes, TimeSpan writeTimeout, int capacity, ILogger logger)
    {
        _scopes = scopes;
        _writeTimeout = writeTimeout;
        _logger = logger;
        // why bounded: a database slower than the cases holds the cases back instead of piling results up in memory.
        _pending = Channel.CreateBounded<CaseResult>(new BoundedChannelOptions(capacity) { SingleReader = true });
        _writer = Task.Run(WriteAllAsync);
    }

    /// <summary>Writes issued so far (each one round trip holding one or more results).</summary>
    public int Writes { get; private set; }

    /// <summary>
    /// Hands a finished case over for storing. Waits only while <c>capacity</c> results are waiting to be written;
    /// throws the writer's failure when storing has stopped.
    /// </summary>
    public async ValueTask AddAsync(CaseResult result, CancellationToken cancellationToken)
    {
        try
        {
            await _pending.Writer.WriteAsync(result, cancellationToken);
        }
        catch (ChannelClosedException ex) when (ex.InnerException is { } failure)
        {
            throw new InvalidOperationException($"Case results can no longer be stored: {failure.Message}", failure);
        }
    }

    /// <summary>Stores what was handed over and returns when it is stored; throws the writer's failure, if any.</summary>
    public async Task CompleteAsync()
    {
        _pending.Writer.TryComplete();
        await _writer;
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        try
        {
            await _writer;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // why: already surfaced to the run through AddAsync/CompleteAsync; disposing must not throw it a second time.
        }
    }

    private async Task WriteAllAsync()
    {
        var batch = new List<CaseResult>(MaxBatch);
        try
        {
            while (await _pending.Reader.WaitToReadAsync())
            {
                while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var result))
                {
                    batch.Add(result);
                }

                await WriteAsync(batch);
                batch.Clear();
            }
        }
        catch (Exception ex)
        {
            // why: later AddAsync calls fail at once (the run stops) instead of waiting on a writer that is gone.
            _pending.Writer.TryComplete(ex);
            throw;
        }
    }

    private async Task WriteAsync(List<CaseResult> batch)
    {
        // why: not tied to the run token: a case that finished is kept even when the run is cancelled this instant.
        using var budget = new CancellationTokenSource(_writeTimeout);
        if (await TrySaveAsync(batch, budget.Token) || batch.Count == 1)
        {
            return;
        }

        // why: one row already stored (a resumed run's overlap) rejects the whole batch; store the others one by one.
        foreach (var result in batch)
        {
            await TrySaveAsync([result], budget.Token);
        }
    }

    /// <summary>One round trip; false when a row was already stored (logged when it is the only one).</summary>
    private async Task<bool> TrySaveAsync(IReadOnlyList<CaseResult> rows, CancellationToken cancellationToken)
    {
        Writes++;
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<EvaluationDbContext>();
        db.CaseResults.AddRange(rows);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException ex) when (IsUniqueViolation(ex))
        {
            if (rows.Count == 1)
            {
                LogAlreadyStored(rows[0].CaseId, rows[0].Repetition, rows[0].RunId);
            }

            return false;
        }
    }

    private static bool IsUniqueViolation(DbUpdateException ex) =>
        ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Case {CaseId} repetition {Repetition} of run {RunId} was already stored; keeping the first result")]
    private partial void LogAlreadyStored(Guid caseId, int repetition, Guid runId);
}
