using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Soak;

/// <summary>Reads the service's memory and connection figures: /proc/PID/status VmRSS, /health/detailed, /metrics.</summary>
public sealed class ServiceProbe(HttpClient http, int? pid, string adminToken)
{
    public async Task<string> SnapshotAsync(string label, CancellationToken cancellationToken)
    {
        var rss = pid is { } p ? ReadVmRss(p) : "n/a (no --pid)";
        using var request = new HttpRequestMessage(HttpMethod.Get, "health/detailed");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        string managed = "?", workingSet = "?", pools = "?", inFlight = "?";
        try
        {
            using var doc = JsonDocument.Parse(body);
            var process = doc.RootElement.GetProperty("process");
            managed = Mb(process.GetProperty("managedHeapBytes").GetInt64());
            workingSet = Mb(process.GetProperty("workingSetBytes").GetInt64());
            pools = doc.RootElement.GetProperty("databasePools").GetRawText();
            inFlight = doc.RootElement.GetProperty("inFlightRequests").GetRawText();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            managed = $"(health/detailed answered {(int)response.StatusCode}: {e.Message})";
        }

        var subscribers = await MetricAsync("chat_activity_subscribers", cancellationToken);
        var active = await MetricAsync("http_server_active_requests", cancellationToken);
        return $"[{label}] VmRSS {rss}, working set {workingSet}, managed heap {managed}, in-flight requests {inFlight}, " +
               $"DB pools {pools}, activity subscribers {subscribers}, http active requests {active}";
    }

    private async Task<string> MetricAsync(string name, CancellationToken cancellationToken)
    {
        var text = await http.GetStringAsync("metrics", cancellationToken);
        var values = text.Split('\n')
            .Where(l => l.StartsWith(name, StringComparison.Ordinal))
            .Select(l => l[(l.LastIndexOf(' ') + 1)..])
            .Where(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            .Select(v => double.Parse(v, CultureInfo.InvariantCulture))
            .ToList();
        return values.Count == 0 ? "0 (not exported)" : values.Sum().ToString(CultureInfo.InvariantCulture);
    }

    private static string ReadVmRss(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line?["VmRSS:".Length..].Trim() ?? "?";
    }

    private static string Mb(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.0} MB");
}
