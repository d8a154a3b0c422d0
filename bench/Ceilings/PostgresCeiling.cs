using System.Diagnostics;
using Npgsql;

namespace Ceilings;

/// <summary>
/// Job-queue claim rate: <c>rows</c> queued rows, <c>workers</c> loops each running the single statement
/// <c>UPDATE … WHERE id=(SELECT … FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING id</c> (autocommit) until none is left.
/// Checks that no row was claimed twice and none was left.
/// </summary>
public static class PostgresCeiling
{
    public static async Task<Figure> MeasureAsync(string connectionString, int rows, int workers, CancellationToken cancellationToken)
    {
        var table = $"ceiling_jobs_{Guid.NewGuid():N}"[..28];
        await using var dataSource = new NpgsqlDataSourceBuilder(connectionString + ";Maximum Pool Size=" + (workers + 2)).Build();
        await ExecAsync(dataSource, $"""
            CREATE TABLE {table}(id bigserial PRIMARY KEY, payload text NOT NULL, status smallint NOT NULL DEFAULT 0,
                claimed_by int, claimed_at timestamptz, created_at timestamptz NOT NULL DEFAULT now());
            CREATE INDEX ON {table}(id) WHERE status = 0;
            INSERT INTO {table}(payload) SELECT repeat('x', 200) FROM generate_series(1, {rows});
            ANALYZE {table};
            """, cancellationToken);
        try
        {
            var claimSql = $"""
                UPDATE {table} SET status = 1, claimed_by = $1, claimed_at = now()
                WHERE id = (SELECT id FROM {table} WHERE status = 0 ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1)
                RETURNING id
                """;
            var stopwatch = Stopwatch.StartNew();
            var recorder = new LatencyRecorder();
            long claimed = 0;
            await Task.WhenAll(Enumerable.Range(0, workers).Select(async w =>
            {
                var samples = recorder.ForWorker();
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                await using var command = new NpgsqlCommand(claimSql, connection) { Parameters = { new() { Value = w } } };
                await command.PrepareAsync(cancellationToken);
                while (true)
                {
                    var start = Stopwatch.GetTimestamp();
                    if (await command.ExecuteScalarAsync(cancellationToken) is null)
                    {
                        return;
                    }

                    samples.Add(LatencyRecorder.Ms(start));
                    Interlocked.Increment(ref claimed);
                }
            }));
            var rate = claimed / stopwatch.Elapsed.TotalSeconds;
            var left = await ScalarAsync(dataSource, $"SELECT count(*) FROM {table} WHERE status = 0", cancellationToken);
            var (p50, p99, _) = recorder.Summary();
            if (claimed != rows || left != 0)
            {
                throw new InvalidOperationException($"claim check failed: {claimed} claims for {rows} rows, {left} left");
            }

            return new Figure("postgres-claim", rate, "claims/s",
                Notes: $"{rows:N0} rows, {workers} workers, single-statement SKIP LOCKED claim; no double claims, 0 left", P50Ms: p50, P99Ms: p99);
        }
        finally
        {
            await ExecAsync(dataSource, $"DROP TABLE IF EXISTS {table}", CancellationToken.None); // why: benchmark driver, not product code; bounded by the run's own duration/timeouts
        }
    }

    private static async Task ExecAsync(NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.CommandTimeout = 120;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }
}
