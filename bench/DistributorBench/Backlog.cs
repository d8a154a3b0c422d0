namespace DistributorBench;

/// <summary>
/// Events accepted but not yet delivered, sampled every 250 ms while a paced load is offered: the events the service
/// answered 202 so far (counted by the client) minus the deliveries the sink answered 2xx on the scenario's path (counted
/// by the sink). Both counters live in the bench process, so sampling costs the service and its PostgreSQL nothing (a
/// count over distributions ⋈ events every 250 ms took 27 ms of PostgreSQL each, a tenth of its CPU at 1,000 events/s).
/// Every earlier scenario on the path has drained when one starts.
/// </summary>
internal sealed record Backlog(double FirstQuarter, double LastQuarter, long Peak)
{
    /// <summary>
    /// Grew: the last quarter's mean is more than twice the first's and above one second of offered load's worth of slack
    /// (100 distributions), so a flat backlog of in-flight deliveries does not count.
    /// </summary>
    public bool Grew => LastQuarter > 2 * FirstQuarter && LastQuarter - FirstQuarter > 100;

    public static async Task<Backlog> SampleAsync(Func<long> accepted, Func<long> delivered, CancellationToken stop)
    {
        var samples = new List<long>();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                samples.Add(Math.Max(0, accepted() - delivered()));
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
