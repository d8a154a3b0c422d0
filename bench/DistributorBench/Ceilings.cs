using System.Diagnostics;
using Npgsql;
using StackExchange.Redis;

namespace DistributorBench;

/// <summary>What the machine's PostgreSQL and Redis can do at most for the operations a delivery costs, measured now.</summary>
internal static class Ceilings
{
    public static async Task<double> PostgresCommitsPerSecondAsync(string connectionString, TimeSpan duration)
    {
        await using var source = NpgsqlDataSource.Create(connectionString);
        await using (var create = source.CreateCommand("CREATE TABLE IF NOT EXISTS bench_ceiling (id bigserial PRIMARY KEY, payload jsonb)"))
        {
            await create.ExecuteNonQueryAsync();
        }

        long count = 0;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            await using var connection = await source.OpenConnectionAsync();
            while (stopwatch.Elapsed < duration)
            {
                await using var insert = new NpgsqlCommand("INSERT INTO bench_ceiling (payload) VALUES ('{\"n\":1}')", connection);
                await insert.ExecuteNonQueryAsync();
                Interlocked.Increment(ref count);
            }
        }));
        return count / stopwatch.Elapsed.TotalSeconds;
    }

    public static async Task<double> RedisXaddPerSecondAsync(string connectionString, TimeSpan duration)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(connectionString);
        var db = redis.GetDatabase();
        long count = 0;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            while (stopwatch.Elapsed < duration)
            {
                await db.StreamAddAsync("bench:ceiling", "id", "x", maxLength: 100_000, useApproximateMaxLength: true);
                Interlocked.Increment(ref count);
            }
        }));
        await db.KeyDeleteAsync("bench:ceiling");
        return count / stopwatch.Elapsed.TotalSeconds;
    }
}
