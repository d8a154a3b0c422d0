using System.Text.Json;
using EvaluationService.Data;
using EvaluationService.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EvaluationService.Outbox;

/// <summary>
/// Relays committed outbox rows to DistributorService with exponential backoff until they are accepted. Rows are
/// claimed with <c>FOR UPDATE SKIP LOCKED</c> so replicas never send the same row at once; the distributor
/// de-duplicates on the idempotency key (the run id), so a send repeated after a crash is harmless.
/// This is the relay half of the outbox pattern (committed rows → remote call), not a job queue: it needs no
/// worker pool, leases or cancellation, only "send every unsent row eventually".
/// </summary>
public sealed class OutboxRelay(
    IServiceScopeFactory scopes,
    OutboxSignal signal,
    IOptions<DistributorOptions> options,
    TimeProvider time,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            logger.LogInformation("Outbox relay disabled (Evaluation:Distributor:Enabled=false)");
            return;
        }

        var poll = options.Value.PollInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var sent = await RelayBatchAsync(stoppingToken);
                if (sent == options.Value.BatchSize)
                {
                    continue;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or DbUpdateException or TimeoutException or InvalidOperationException)
            {
                logger.LogWarning(ex, "Outbox relay could not reach its database; retrying");
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Anything else (a driver fault during an outage was seen: a NullReferenceException out of Npgsql) must not
                // end the relay: an exception escaping ExecuteAsync stops the whole host. The batch's transaction rolled
                // back, so its rows are sent on a later pass.
                logger.LogError(ex, "Outbox relay pass failed unexpectedly; retrying");
            }

            try
            {
                await signal.WaitAsync(poll, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Sends the due rows of one batch; returns how many rows were claimed.</summary>
    public async Task<int> RelayBatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<EvaluationDbContext>();
        var client = scope.ServiceProvider.GetRequiredService<DistributorClient>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = time.GetUtcNow();
        var due = await db.Outbox
            .FromSql($"SELECT * FROM outbox WHERE \"SentAt\" IS NULL AND \"NextAttemptAt\" <= {now} ORDER BY \"NextAttemptAt\" LIMIT {options.Value.BatchSize} FOR UPDATE SKIP LOCKED")
            .ToListAsync(cancellationToken);
        foreach (var message in due)
        {
            await SendAsync(client, message, cancellationToken);
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return due.Count;
    }

    private async Task SendAsync(DistributorClient client, OutboxMessage message, CancellationToken cancellationToken)
    {
        message.Attempts++;
        DeliveryResult result;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.SendTimeout);
        try
        {
            using var payload = JsonDocument.Parse(message.Payload);
            result = await client.SendAsync(new DistributorEvent(message.Type, payload.RootElement.Clone(), message.IdempotencyKey), timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            result = DeliveryResult.Retry("distributor did not answer in time");
        }
        catch (Exception ex) when (ex is HttpRequestException or Polly.CircuitBreaker.BrokenCircuitException or Polly.Timeout.TimeoutRejectedException)
        {
            result = DeliveryResult.Retry(ex.Message);
        }

        if (result.Sent)
        {
            message.SentAt = time.GetUtcNow();
            message.LastError = null;
            logger.LogInformation("Outbox message {MessageId} ({Type}) delivered after {Attempts} attempt(s)", message.Id, message.Type, message.Attempts);
            return;
        }

        message.LastError = result.Error;
        var backoff = Math.Min(options.Value.MaxBackoff.TotalMilliseconds,
            options.Value.InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(message.Attempts - 1, 20)));
        // why: a rejected (4xx) event will not be accepted later either; it waits at the longest backoff for an operator.
        message.NextAttemptAt = time.GetUtcNow() + TimeSpan.FromMilliseconds(result.Permanent ? options.Value.MaxBackoff.TotalMilliseconds : backoff);
        if (result.Unauthorized)
        {
            // why: an operator can fix the credentials; the event is retried with the normal backoff and delivered once they do.
            logger.LogError("Outbox message {MessageId} ({Type}) refused by the distributor (attempt {Attempts}), a configuration error: {Error}",
                message.Id, message.Type, message.Attempts, result.Error);
        }
        else
        {
            logger.LogWarning("Outbox message {MessageId} ({Type}) not delivered (attempt {Attempts}): {Error}", message.Id, message.Type,
                message.Attempts, result.Error);
        }
    }
}
