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

    public async Task<Sample> TakeAsync()
    {
        // pg_stat_database lags by up to a second (backends report their counters when idle): let it settle.
        await Task.Delay(TimeSpan.FromSeconds(1.2));
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
