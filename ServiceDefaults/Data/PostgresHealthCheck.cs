using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace ServiceDefaults.Data;

/// <summary>
/// Readiness: one <c>SELECT 1</c> through the service's own pool, bounded by the check's timeout. After PostgreSQL
/// restarts, the pool's idle connections are all dead and each fails once (usually an I/O error; full CI runs also saw
/// Npgsql report a protocol mix-up on such a connection, "Received backend message CommandComplete while expecting
/// ParseCompleteMessage"); a check that took one of them reported the database down although it was back (readiness
/// flapped to 503 for seconds after every outage). So a failure drops the pool's idle connections and asks once more
/// on a fresh one: only that answer counts.
/// </summary>
internal sealed class PostgresHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            try
            {
                await ProbeAsync(cancellationToken);
            }
            catch (NpgsqlException) when (!cancellationToken.IsCancellationRequested)
            {
                dataSource.Clear();
                await ProbeAsync(cancellationToken);
            }

            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "PostgreSQL unreachable", ex);
        }
    }

    private async Task ProbeAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT 1");
        await command.ExecuteScalarAsync(cancellationToken);
    }
}
