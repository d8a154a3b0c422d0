using System.Diagnostics.Metrics;
using DurableJobs.Monitoring;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DurableJobs.Retention;

/// <summary>
/// The one pruning loop of a service: every <see cref="RetentionOptions.Interval"/>, for each registered
/// <see cref="RetentionFamily"/>, deletes its expired rows in batches of <see cref="RetentionOptions.BatchSize"/>, each batch its
/// own statement (autocommit: locks live for one batch only), with a pause between batches, until a batch comes back short.
/// Counts what it deleted in <c>retention.rows_pruned</c> (tag <c>retention.family</c>). A failing round is logged and retried
/// on the next one.
/// </summary>
public sealed partial class RetentionPruner<TContext>(
    IServiceScopeFactory scopes,
    IEnumerable<RetentionFamily> families,
    IOptionsMonitor<RetentionOptions> options,
    IMeterFactory meters,
    TimeProvider time,
    ILogger<RetentionPruner<TContext>> logger) : BackgroundService
    where TContext : DbContext
{
    private readonly Counter<long> _pruned = meters.Create(JobTelemetry.Name).CreateCounter<long>("retention.rows_pruned", "{row}",
        "Rows deleted by the retention pruner, per table family.");

    private readonly RetentionFamily[] _families = [.. families];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.CurrentValue.Interval, time, stoppingToken).ConfigureAwait(false);
                if (options.CurrentValue.Enabled)
                {
                    await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // A database outage must not end the loop: the next round tries again.
                LogRoundFailed(ex);
            }
        }
    }

    /// <summary>One round over all families. Returns the rows deleted and the batches run per family.</summary>
    public async Task<IReadOnlyDictionary<string, (long Rows, int Batches)>> RunOnceAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var result = new Dictionary<string, (long Rows, int Batches)>(StringComparer.Ordinal);
        foreach (var family in _families)
        {
            var own = settings.Families.GetValueOrDefault(family.Name);
            if (own is { Enabled: false })
            {
                continue;
            }

            var cutoff = time.GetUtcNow() - (own?.After ?? family.DefaultAfter);
            long rows = 0;
            var batches = 0;
            while (batches < settings.MaxBatchesPerRound)
            {
                var deleted = await DeleteBatchAsync(family, cutoff, settings.BatchSize, cancellationToken).ConfigureAwait(false);
                batches++;
                rows += deleted;
                if (deleted > 0)
                {
                    _pruned.Add(deleted, new KeyValuePair<string, object?>("retention.family", family.Name));
                }

                if (deleted < settings.BatchSize)
                {
                    break;
                }

                await Task.Delay(settings.BatchPause, time, cancellationToken).ConfigureAwait(false);
            }

            if (rows > 0)
            {
                LogPruned(family.Name, rows, batches, cutoff);
            }

            result[family.Name] = (rows, batches);
        }

        return result;
    }

    private async Task<int> DeleteBatchAsync(RetentionFamily family, DateTimeOffset cutoff, int batch, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<TContext>();
        var database = context.Database;
        await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = (NpgsqlConnection)database.GetDbConnection();
            await using var command = connection.CreateCommand();
            command.CommandText = family.Sql(context);
            command.Parameters.Add(
                new NpgsqlParameter("cutoff", NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = cutoff.ToUniversalTime() });
            command.Parameters.Add(new NpgsqlParameter("batch", NpgsqlTypes.NpgsqlDbType.Integer) { Value = batch });
            if (database.GetCommandTimeout() is { } timeout)
            {
                command.CommandTimeout = timeout;
            }

            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Retention pruned {Rows} rows of {Family} older than {Cutoff} in {Batches} batches")]
    private partial void LogPruned(string family, long rows, int batches, DateTimeOffset cutoff);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retention round failed; retrying on the next one")]
    private partial void LogRoundFailed(Exception exception);
}
