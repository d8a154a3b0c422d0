using System.Globalization;

namespace DistributorBench;

internal sealed record BenchOptions(int Events, int Rate, int RateEvents, int SustainedRate, int SustainedEvents, int SlowEvents, int Workers, int Warmup,
    string? JsonPath)
{
    public static BenchOptions Parse(string[] args)
    {
        int Get(string name, int fallback)
        {
            var index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
        }

        var rate = Get("--rate", 500);
        var sustained = Get("--sustained-rate", 1000);
        var json = Array.IndexOf(args, "--json");
        var jsonPath = json < 0 ? null : json + 1 < args.Length ? args[json + 1] : throw new ArgumentException("--json needs a file path");
        return new BenchOptions(Get("--events", 2000), rate, Get("--rate-events", rate * 4), sustained,
            Get("--sustained-events", sustained * 20), Get("--slow-events", 1000), Get("--workers", 64),
            Get("--warmup", 20000), jsonPath);
    }
}
