using System.Globalization;

namespace DistributorBench;

internal sealed record RunResult(int Events, double IntakePerSecond, double DeliveriesPerSecond, double P50, double P95, double P99, double Max,
    string Stages, string Cpu)
{
    public void Print(string name, CultureInfo ci) =>
        Console.WriteLine(string.Create(ci,
            $"{name,-32} {Events,6} {IntakePerSecond,9:0} {DeliveriesPerSecond,13:0} {P50,8:0.0} {P95,8:0.0} {P99,8:0.0} {Max,8:0.0}"));

    public void PrintDetails()
    {
        Console.WriteLine($"    {Stages}");
        Console.WriteLine($"    {Cpu}");
    }
}
