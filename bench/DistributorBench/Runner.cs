using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace DistributorBench;

/// <summary>Posts N events (as fast as possible, or paced), waits until every distribution succeeded, reads the latencies the service stamped.</summary>
internal static class Runner
{
    private sealed record Accepted(Guid EventId);

    /// <summary>Intake alone: events no destination subscribes to (one event row, no distribution, no job).</summary>
    public static async Task<double> IntakeOnlyAsync(HttpClient http, string type, int events, int concurrency)
    {
        var next = -1;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < events)
            {
                using var response = await http.PostAsJsonAsync("/api/events", new { type, payload = new { n = 1 } }, JsonSerializerOptions.Web);
                response.EnsureSuccessStatusCode();
            }
        }));
        return events / stopwatch.Elapsed.TotalSeconds;
    }

    public static async Task<RunResult> RunAsync(HttpClient http, string database, string type, int events, int? rate, int concurrency)
    {
        var ids = new Guid[events];
        var next = -1;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (true)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= events)
                {
                    return;
                }

                if (rate is { } perSecond)
                {
                    var due = TimeSpan.FromSeconds((double)i / perSecond);
                    if (due > stopwatch.Elapsed)
                    {
                        await Task.Delay(due - stopwatch.Elapsed);
                    }
                }

                using var response = await http.PostAsJsonAsync("/api/events", new { type, payload = new { i, at = DateTimeOffset.UtcNow } },
                    JsonSerializerOptions.Web);
                response.EnsureSuccessStatusCode();
                ids[i] = (await response.Content.ReadFromJsonAsync<Accepted>(JsonSerializerOptions.Web))!.EventId;
            }
        }));
        var intakePerSecond = events / stopwatch.Elapsed.TotalSeconds;

        await using var source = NpgsqlDataSource.Create(database);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            await using var count = source.CreateCommand(
                "SELECT count(*) FROM distributions WHERE \"EventId\" = ANY($1) AND \"Status\" = 'succeeded'");
            count.Parameters.Add(new NpgsqlParameter { Value = ids });
            var done = (long)(await count.ExecuteScalarAsync())!;
            if (done >= events)
            {
                break;
            }

            if (deadline.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException($"Only {done} of {events} distributions succeeded within 5 minutes.");
            }

            await Task.Delay(100);
        }

        await using var latency = source.CreateCommand("""
            SELECT extract(epoch FROM (d."DeliveredAt" - e."AcceptedAt")) * 1000,
                   extract(epoch FROM (max(d."DeliveredAt") OVER () - min(e."AcceptedAt") OVER ()))
            FROM distributions d JOIN events e ON e."Id" = d."EventId"
            WHERE e."Id" = ANY($1)
            """);
        latency.Parameters.Add(new NpgsqlParameter { Value = ids });
        var values = new List<double>(events);
        double span = 0;
        await using (var reader = await latency.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                values.Add((double)reader.GetDecimal(0));
                span = (double)reader.GetDecimal(1);
            }
        }

        values.Sort();
        double Percentile(double p) => values[Math.Clamp((int)Math.Ceiling(p * values.Count) - 1, 0, values.Count - 1)];
        return new RunResult(events, intakePerSecond, events / Math.Max(span, 0.001), Percentile(0.50), Percentile(0.95), Percentile(0.99), values[^1]);
    }
}
