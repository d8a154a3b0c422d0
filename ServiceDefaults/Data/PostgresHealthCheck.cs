using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace ServiceDefaults.Data;

/// <summary>Readiness: one <c>SELECT 1</c> through the service's own pool, bounded by the check's timeout.</summary>
internal sealed class PostgresHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "PostgreSQL unreachable", ex);
        }
    }
}
