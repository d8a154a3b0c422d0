using Npgsql;
using StackExchange.Redis;

namespace DistributorBench;

/// <summary>
/// What a delivery costs the servers, counted by the servers themselves: PostgreSQL commits and rows written in the bench
/// database (<c>pg_stat_database</c>) and commands Redis processed (<c>INFO stats</c>), read before and after a scenario.
/// </summary>
internal sealed class ServerCost(string database, IConnectionMultiplexer redis)
{
    public sealed record Sample(long Commits, long Rows, long RedisCommands);

    public sealed record PerEventCost(double PostgresCommits, double PostgresRows, double RedisCommands);

    /// <summary>
    /// How long the counters take to settle. A PostgreSQL 15 backend flushes its counters at the end of a transaction
    /// only if its last flush is a second old; otherwise it keeps them until it has been idle for 10 s
    /// (PGSTAT_IDLE_INTERVAL). The service's pooled connections finish a burst within a second of their last flush,
    /// so a shorter wait read part of a scenario's commits and rows in the next one (1.2 s read 1.0 rows per delivery
    /// for the fast burst, where a delivery writes about 8).
    /// </summary>
    private static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(11);

    public async Task<Sample> TakeAsync()
    {
        await Task.Delay(SettleTime);
        await using var source = NpgsqlDataSource.Create(database);
        await using var command = source.CreateCommand("""
            SELECT pg_stat_clear_snapshot(), xact_commit, tup_inserted + tup_updated + tup_deleted
            FROM pg_stat_database WHERE datname = current_database()
            """);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var commits = reader.GetInt64(1);
        var rows = reader.GetInt64(2);
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var info = await server.InfoAsync("stats");
        var processed = info.SelectMany(g => g).First(p => p.Key == "total_commands_processed").Value;
        return new Sample(commits, rows, long.Parse(processed, System.Globalization.CultureInfo.InvariantCulture));
    }

    public static PerEventCost PerEvent(Sample before, Sample after, int events) => new(
        (after.Commits - before.Commits) / (double)events,
        (after.Rows - before.Rows) / (double)events,
        (after.RedisCommands - before.RedisCommands) / (double)events);
}
