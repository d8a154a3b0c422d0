using DistributorService.Data;
using DistributorService.Destinations;
using DistributorService.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;
using ServiceDefaults.Data;

namespace DistributorService.Intake;

/// <summary>
/// Accepts an event: one distribution per enabled destination subscribed to its type, and one durable job per
/// distribution, all in one transaction. Idempotency keys are scoped to the publisher: a repeated key with the same type and
/// payload returns the original answer, with another payload it is refused (<see cref="IdempotencyKeyReusedException"/>).
/// </summary>
public sealed class EventIntake(DistributorDbContext db, DestinationCatalog catalog, DeliveryJobs jobs, DistributorMetrics metrics,
    TimeProvider time)
{
    public const string AllTypes = "*";

    /// <param name="abandoned">
    /// Asked just before the commit: when it answers true (the caller stopped waiting and answered 503), the transaction
    /// is rolled back instead, so an event the caller was told was refused is not delivered later.
    /// </param>
    public async Task<IntakeResult> AcceptAsync(string publisher, string type, string payloadJson, string? idempotencyKey,
        CancellationToken cancellationToken, Func<bool>? abandoned = null)
    {
        var hash = idempotencyKey is null ? null : PayloadHash(type, payloadJson);
        if (idempotencyKey is not null && await FindAsync(publisher, idempotencyKey, hash!, cancellationToken) is { } existing)
        {
            return new IntakeResult(existing, false);
        }

        var now = time.GetUtcNow();
        // Cached for at most Delivery:DestinationCacheTtl: one query per event was the largest intake cost.
        var destinations = await catalog.SubscribersAsync(type, cancellationToken);
        var accepted = new AcceptedEvent
        {
            Id = Guid.CreateVersion7(now),
            Type = type,
            Payload = payloadJson,
            Publisher = publisher,
            IdempotencyKey = idempotencyKey,
            PayloadHash = hash,
            AcceptedAt = now,
        };
        foreach (var destination in destinations)
        {
            accepted.Distributions.Add(new Distribution
            {
                Id = Guid.CreateVersion7(now),
                EventId = accepted.Id,
                DestinationId = destination.Id,
                Status = DistributionStatus.Pending,
                CreatedAt = now,
                UpdatedAt = now,
            });
        }

        try
        {
            // One transaction, one round trip before the commit: the event, its distributions and their jobs, or nothing.
            // Plain Npgsql: EF's change tracking and SaveChanges pipeline cost more CPU than the statements themselves.
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection(),
                (NpgsqlTransaction)transaction.GetDbTransaction())
            {
                // The DbContext's own command timeout (Database:CommandTimeout), which a raw batch does not inherit.
                Timeout = db.Database.GetCommandTimeout() ?? DatabaseOptions.WholeSeconds(new DatabaseOptions().CommandTimeout),
            };
            // The jobs first: staging them gives each distribution its job id. A paused destination's distribution gets none
            // (parked until resume).
            var deliveries = accepted.Distributions.Zip(destinations).Where(d => !d.Second.Paused).ToList();
            var jobsCommand = deliveries.Count > 0 ? jobs.StageCommand(deliveries) : null;
            batch.BatchCommands.Add(InsertCommand(accepted));
            if (jobsCommand is not null)
            {
                batch.BatchCommands.Add(jobsCommand);
            }

            await batch.ExecuteNonQueryAsync(cancellationToken);
            if (abandoned?.Invoke() == true)
            {
                await transaction.RollbackAsync(cancellationToken);
                throw new IntakeAbandonedException();
            }

            await transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException ex) when (idempotencyKey is not null && ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // A concurrent request with the same key won the race: answer as it did.
            var winner = await FindAsync(publisher, idempotencyKey, hash!, cancellationToken)
                         ?? throw new InvalidOperationException("Idempotency key conflict without a stored event.", ex);
            return new IntakeResult(winner, false);
        }

        metrics.Accepted(accepted.Distributions.Count);
        return new IntakeResult(new EventAccepted(accepted.Id,
            accepted.Distributions.Select(d => new DistributionRef(d.Id, d.DestinationId)).ToList()), true);
    }

    /// <summary>The event and its distributions in one statement.</summary>
    private static NpgsqlBatchCommand InsertCommand(AcceptedEvent accepted)
    {
        var command = new NpgsqlBatchCommand($"""
            WITH accepted AS (
                INSERT INTO events ("Id", "Type", "Payload", "IdempotencyKey", "AcceptedAt", "Publisher", "PayloadHash")
                VALUES ($1, $2, $3::jsonb, $4, $5, $9, $10))
            INSERT INTO distributions
                ("Id", "EventId", "DestinationId", "Status", "JobId", "AttemptCount", "ReplayCount", "CreatedAt", "UpdatedAt")
            SELECT id, $1, destination_id, '{DistributionStatus.Pending}', job_id, 0, 0, $5, $5
            FROM unnest($6::uuid[], $7::uuid[], $8::uuid[]) AS d(id, destination_id, job_id)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = accepted.Id, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = accepted.Type, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = accepted.Payload, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(
            new NpgsqlParameter { Value = (object?)accepted.IdempotencyKey ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = accepted.AcceptedAt, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(PgArray.Of(accepted.Distributions.Select(d => d.Id), NpgsqlDbType.Uuid));
        command.Parameters.Add(PgArray.Of(accepted.Distributions.Select(d => d.DestinationId), NpgsqlDbType.Uuid));
        command.Parameters.Add(PgArray.Of(accepted.Distributions.Select(d => d.JobId), NpgsqlDbType.Uuid));
        command.Parameters.Add(new NpgsqlParameter { Value = accepted.Publisher, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(
            new NpgsqlParameter { Value = (object?)accepted.PayloadHash ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        return command;
    }

    /// <summary>The publisher's event holding <paramref name="idempotencyKey"/>; throws when it was stored with another payload.</summary>
    private async Task<EventAccepted?> FindAsync(string publisher, string idempotencyKey, string hash, CancellationToken cancellationToken)
    {
        var stored = await db.Events.AsNoTracking()
            .Where(e => e.Publisher == publisher && e.IdempotencyKey == idempotencyKey)
            .Select(e => new
            {
                e.Id,
                e.PayloadHash,
                Distributions = e.Distributions.OrderBy(d => d.DestinationId).Select(d => new DistributionRef(d.Id, d.DestinationId))
                    .ToList(),
            })
            .FirstOrDefaultAsync(cancellationToken);
        if (stored is null)
        {
            return null;
        }

        // Events stored before payload hashes existed have none: they answer as before.
        if (stored.PayloadHash is not null && !string.Equals(stored.PayloadHash, hash, StringComparison.Ordinal))
        {
            throw new IdempotencyKeyReusedException(stored.Id);
        }

        return new EventAccepted(stored.Id, stored.Distributions);
    }

    /// <summary>Hex SHA-256 of the type and the payload's JSON text as received (a retry sends the same bytes).</summary>
    public static string PayloadHash(string type, string payloadJson)
    {
        var text = System.Text.Encoding.UTF8.GetBytes(type + "\n" + payloadJson);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(text));
    }
}
