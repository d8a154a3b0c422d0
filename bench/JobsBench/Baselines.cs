using System.Diagnostics;
using Npgsql;
using StackExchange.Redis;

namespace JobsBench;

/// <summary>The servers' own ceilings for the primitives the mechanism is built on, measured in the same run.</summary>
public static class Baselines
{
    /// <summary>Claims per second with the single-statement <c>UPDATE … WHERE id = (SELECT … SKIP LOCKED) RETURNING</c>, one row per claim.</summary>
    public static async Task<double> PostgresClaimRateAsync(NpgsqlDataSource dataSource, int rows, int workers, CancellationToken cancellationToken)
    {
        await using (var setup = dataSource.CreateCommand("""
            DROP TABLE IF EXISTS bench_claims;
            CREATE TABLE bench_claims (id bigserial PRIMARY KEY, state smallint NOT NULL DEFAULT 0, payload text, claimed_by text, claimed_at timestamptz);
            CREATE INDEX ix_bench_claims_open ON bench_claims (id) WHERE state = 0;
            """))
        {
            await setup.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var fill = dataSource.CreateCommand("INSERT INTO bench_claims (payload) SELECT repeat('x', 100) FROM generate_series(1, $1)"))
        {
            fill.Parameters.AddWithValue(rows);
            await fill.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var analyze = dataSource.CreateCommand("ANALYZE bench_claims"))
        {
            await analyze.ExecuteNonQueryAsync(cancellationToken);
        }

        var claimed = 0;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async worker =>
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var claim = new NpgsqlCommand("""
                UPDATE bench_claims SET state = 1, claimed_by = $1, claimed_at = now()
                WHERE id = (SELECT id FROM bench_claims WHERE state = 0 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING id
                """, connection);
            claim.Parameters.AddWithValue($"w{worker}");
            while (await claim.ExecuteScalarAsync(cancellationToken) is not null)
            {
                Interlocked.Increment(ref claimed);
            }
        }));
        stopwatch.Stop();
        if (claimed != rows)
        {
            throw new InvalidOperationException($"Claim baseline claimed {claimed} of {rows} rows.");
        }

        return rows / stopwatch.Elapsed.TotalSeconds;
    }

    /// <summary>XADD per second with 1,000 calls in flight (multiplexer pipelining).</summary>
    public static async Task<double> RedisAddRateAsync(IDatabase redis, string stream, int messages, CancellationToken cancellationToken)
    {
        await redis.KeyDeleteAsync(stream);
        var payload = Guid.NewGuid().ToString();
        var stopwatch = Stopwatch.StartNew();
        var inFlight = new List<Task>(1000);
        for (var i = 0; i < messages; i++)
        {
            inFlight.Add(redis.StreamAddAsync(stream, "id", payload));
            if (inFlight.Count == 1000)
            {
                await Task.WhenAll(inFlight).WaitAsync(cancellationToken);
                inFlight.Clear();
            }
        }

        await Task.WhenAll(inFlight).WaitAsync(cancellationToken);
        return messages / stopwatch.Elapsed.TotalSeconds;
    }

    /// <summary>Messages per second read with XREADGROUP COUNT 100 and one XACK per batch, by <paramref name="consumers"/> consumers.</summary>
    public static async Task<double> RedisReadGroupRateAsync(IDatabase redis, string stream, int messages, int consumers, CancellationToken cancellationToken)
    {
        await redis.StreamCreateConsumerGroupAsync(stream, "bench", StreamPosition.Beginning);
        var read = 0;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, consumers).Select(async consumer =>
        {
            while (Volatile.Read(ref read) < messages)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var entries = await redis.StreamReadGroupAsync(stream, "bench", $"c{consumer}", StreamPosition.NewMessages, 100);
                if (entries.Length == 0)
                {
                    break;
                }

                await redis.StreamAcknowledgeAsync(stream, "bench", [.. entries.Select(e => e.Id)]);
                Interlocked.Add(ref read, entries.Length);
            }
        }));
        stopwatch.Stop();
        await redis.KeyDeleteAsync(stream);
        return read / stopwatch.Elapsed.TotalSeconds;
    }
}
