using System.Globalization;

namespace DistributorBench;

internal sealed record RunResult(int Events, double IntakePerSecond, double DeliveriesPerSecond, double P50, double P95, double P99, double Max,
    string Stages, string Cpu, CpuMeter.PerEvent CpuPerEvent, ServerCost.PerEventCost? Cost, Backlog? Backlog, int? OfferedRate)
{
    /// <summary>
    /// The most deliveries ÷ <paramref name="commitCeiling"/> this run's PostgreSQL CPU per delivery allows, even if PostgreSQL
    /// had every core to itself and the service, the client and the sink cost nothing.
    /// </summary>
    public double PostgresBound(double commitCeiling) => PostgresBoundPerSecond / commitCeiling;

    /// <summary>Deliveries per second this run's PostgreSQL CPU per delivery allows with every core for PostgreSQL.</summary>
    public double PostgresBoundPerSecond => Environment.ProcessorCount * 1e6 / CpuPerEvent.Postgres;

    /// <summary>Delivered rate ÷ offered rate (paced scenarios only): 1.0 keeps up.</summary>
    public double? DeliveredVsOffered => OfferedRate is { } offered ? DeliveriesPerSecond / offered : null;

    public void Print(string name, CultureInfo ci) =>
        Console.WriteLine(string.Create(ci,
            $"{name,-32} {Events,6} {IntakePerSecond,9:0} {DeliveriesPerSecond,13:0} {P50,8:0.0} {P95,8:0.0} {P99,8:0.0} {Max,8:0.0}"));

    public void PrintDetails()
    {
        Console.WriteLine($"    {Stages}");
        Console.WriteLine($"    {Cpu}");
        if (Cost is { } cost)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    per delivery: {cost.PostgresCommits:0.00} PostgreSQL commits, {cost.PostgresRows:0.0} rows written, {cost.RedisCommands:0.00} Redis commands"));
        }

        if (Backlog is { } backlog)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    backlog (accepted, not delivered) while offered: first quarter {backlog.FirstQuarter:0}, last quarter {backlog.LastQuarter:0}, " +
                $"peak {backlog.Peak:0} → {(backlog.Grew ? "grew" : "flat")}; delivered/offered {DeliveredVsOffered:0.00}"));
        }
    }
}
