using Npgsql;

namespace DistributorBench;

/// <summary>
/// Distributions accepted but not yet delivered, sampled every 250 ms while a paced load is offered. Counted for the
/// scenario's event type; every earlier scenario of that type has drained when one starts.
/// </summary>
internal sealed record Backlog(double FirstQuarter, double LastQuarter, long Peak)
{
    /// <summary>
    /// Grew: the last quarter's mean is more than twice the first's and above one second of offered load's worth of slack
    /// (100 distributions), so a flat backlog of in-flight deliveries does not count.
    /// </summary>
    public bool Grew => LastQuarter > 2 * FirstQuarter && LastQuarter - FirstQuarter > 100;

    public static async Task<Backlog> SampleAsync(string database, string type, CancellationToken stop)
    {
        var samples = new List<long>();
        await using var source = NpgsqlDataSource.Create(database);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                await using var count = source.CreateCommand("""
                    SELECT count(*) FROM distributions d JOIN events e ON e."Id" = d."EventId"
                    WHERE d."Status" NOT IN ('succeeded', 'failed', 'dead_lettered') AND e."Type" = $1
                    """);
                count.Parameters.Add(new NpgsqlParameter { Value = type });
                samples.Add((long)(await count.ExecuteScalarAsync(stop))!);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The offered load ended.
        }

        if (samples.Count < 4)
        {
            return new Backlog(samples.DefaultIfEmpty().Average(), samples.DefaultIfEmpty().Average(), samples.DefaultIfEmpty().Max());
        }

        var quarter = samples.Count / 4;
        return new Backlog(samples.Take(quarter).Average(), samples.Skip(samples.Count - quarter).Average(), samples.Max());
    }
}
