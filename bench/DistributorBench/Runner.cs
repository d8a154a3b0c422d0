using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace DistributorBench;

/// <summary>Posts N events (as fast as possible, or paced), waits until every distribution succeeded, reads the latencies the service stamped.</summary>
internal static class Runner
{
    private sealed record Accepted(Guid EventId);

    private static async Task<Guid> PostAsync(HttpClient http, string type, int i)
    {
        using var response = await http.PostAsJsonAsync("/api/events", new { type, payload = new { i, at = DateTimeOffset.UtcNow } },
            JsonSerializerOptions.Web);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<Accepted>(JsonSerializerOptions.Web))!.EventId;
    }

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

    /// <param name="delivered">Deliveries the sink answered 2xx on the scenario's path so far (a counter in this process).</param>
    public static async Task<RunResult> RunAsync(HttpClient http, string database, string type, int events, int? rate, int concurrency, CpuMeter cpu,
        ServerCost? counters, Func<int> delivered)
    {
        var ids = new Guid[events];
        var deliveredBefore = delivered();
        long DeliveredHere() => delivered() - deliveredBefore;
        long accepted = 0;
        var countersBefore = counters is null ? null : await counters.TakeAsync();
        var before = cpu.Take();
        var stopwatch = Stopwatch.StartNew();
        Backlog? backlog = null;
        if (rate is { } perSecond)
        {
            // The backlog (accepted, not yet delivered) sampled while the load is offered: a service that keeps up holds it
            // flat (about rate × latency); one that does not lets it grow to the end.
            using var sampling = new CancellationTokenSource();
            var sampler = Backlog.SampleAsync(() => Interlocked.Read(ref accepted), DeliveredHere, sampling.Token);
            // Open loop: each event is posted at its due time whatever the answers of earlier ones take, so the offered
            // rate is the intended one (a closed loop of N clients would slow down with the service and hide its latency).
            using var inFlight = new SemaphoreSlim(512);
            var posts = new List<Task>(events);
            for (var i = 0; i < events; i++)
            {
                var due = TimeSpan.FromSeconds((double)i / perSecond);
                if (due > stopwatch.Elapsed)
                {
                    await Task.Delay(due - stopwatch.Elapsed);
                }

                await inFlight.WaitAsync();
                var index = i;
                posts.Add(Task.Run(async () =>
                {
                    try
                    {
                        ids[index] = await PostAsync(http, type, index);
                        Interlocked.Increment(ref accepted);
                    }
                    finally
                    {
                        inFlight.Release();
                    }
                }));
            }

            await Task.WhenAll(posts);
            await sampling.CancelAsync();
            backlog = await sampler;
        }
        else
        {
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < events)
                {
                    ids[i] = await PostAsync(http, type, i);
                }
            }));
        }

        var intakePerSecond = events / stopwatch.Elapsed.TotalSeconds;

        // why: wait on the sink's counter first, so the drain is not read from PostgreSQL every 100 ms while it runs; then
        // until every distribution's success is recorded (the record follows the sink's answer by a batch)
        var deadline = Stopwatch.StartNew();
        while (DeliveredHere() < events && deadline.Elapsed < TimeSpan.FromMinutes(5))
        {
            await Task.Delay(50);
        }

        await using var source = NpgsqlDataSource.Create(database);
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

        var after = cpu.Take();
        var countersAfter = counters is null ? null : await counters.TakeAsync();

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

        await using var stages = source.CreateCommand("""
            SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM (j.started_at - e."AcceptedAt")) * 1000),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM (a."StartedAt" - j.started_at)) * 1000),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY a."DurationMs"),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM (d."DeliveredAt" - a."StartedAt")) * 1000 - a."DurationMs")
            FROM distributions d JOIN events e ON e."Id" = d."EventId" JOIN jobs j ON j.id = d."JobId"
            JOIN delivery_attempts a ON a."DistributionId" = d."Id" AND a."Number" = d."AttemptCount"
            WHERE e."Id" = ANY($1)
            """);
        stages.Parameters.Add(new NpgsqlParameter { Value = ids });
        string stageText;
        await using (var reader = await stages.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            stageText = string.Create(CultureInfo.InvariantCulture,
                $"median ms  accepted→claimed {reader.GetDouble(0):0.0}  claimed→sending {reader.GetDouble(1):0.0}  HTTP {reader.GetDouble(2):0.0}  response→recorded {reader.GetDouble(3):0.0}");
        }

        values.Sort();
        double Percentile(double p) => values[Math.Clamp((int)Math.Ceiling(p * values.Count) - 1, 0, values.Count - 1)];
        return new RunResult(events, intakePerSecond, events / Math.Max(span, 0.001), Percentile(0.50), Percentile(0.95), Percentile(0.99), values[^1],
            stageText, CpuMeter.Describe(before, after, events), CpuMeter.Micros(before, after, events),
            countersBefore is null || countersAfter is null ? null : ServerCost.PerEvent(countersBefore, countersAfter, events), backlog,
            rate);
    }
}
