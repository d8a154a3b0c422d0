using System.Diagnostics;
using System.Diagnostics.Metrics;
using DurableJobs.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Testing;
using Xunit.Abstractions;

namespace DurableJobs.Tests;

/// <summary>Readiness, metrics and trace context of the job mechanism.</summary>
[Collection(DependenciesCollection.Name)]
public sealed class ObservabilityTests(DependenciesFixture dependencies, ITestOutputHelper output) : JobsTestBase(dependencies, output)
{
    [Fact]
    public async Task Readiness_is_degraded_while_a_queued_job_waits_longer_than_the_threshold()
    {
        var host = await StartHostAsync(Settings("api", script: null) with
        {
            QueueOptions = o => o.OldestQueuedDegradedAfter = TimeSpan.FromMilliseconds(300),
        });
        var health = host.Services.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(Timeout)).Entries["jobs"].Status);

        await host.EnqueueAsync(host.Request(), Timeout);

        var report = await Eventually.UntilAsync(ct => health.CheckHealthAsync(ct), r => r.Entries["jobs"].Status == HealthStatus.Degraded,
            Deadline, "a job nobody runs should make the queue degraded", Timeout);
        Assert.Contains(Queue, report.Entries["jobs"].Description, StringComparison.Ordinal);
        Assert.Contains("ready", report.Entries["jobs"].Tags);
    }

    [Fact]
    public async Task Execution_span_continues_the_enqueuing_trace_and_counters_are_recorded()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "DurableJobs",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (spans) { spans.Add(a); } },
        };
        ActivitySource.AddActivityListener(listener);
        long succeeded = 0;
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "DurableJobs" && instrument.Name == "jobs.succeeded")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "jobs.queue" && (string?)tag.Value == Queue)
                {
                    Interlocked.Add(ref succeeded, value);
                }
            }
        });
        meters.Start();
        var host = await StartHostAsync(Settings("a", new JobScript((_, _) => Task.FromResult<object?>(null))));

        using var request = new Activity("incoming request").Start();
        var id = (await host.EnqueueAsync(host.Request(), Timeout)).Job.Id;
        request.Stop();

        await WaitForStateAsync(host, id, JobState.Succeeded, "the job should run");
        var process = await Eventually.UntilAsync(_ => Task.FromResult(Find(spans, $"process {Queue}")), s => s is not null, Deadline,
            "the execution span should be recorded", Timeout);
        Assert.Equal(request.TraceId, process!.TraceId);
        var enqueue = Find(spans, $"enqueue {Queue}");
        Assert.NotNull(enqueue);
        Assert.Equal(enqueue.SpanId, process.ParentSpanId);
        Assert.Equal(ActivityKind.Consumer, process.Kind);
        await Eventually.UntilAsync(() => Interlocked.Read(ref succeeded) == 1, Deadline, "jobs.succeeded should count the job", Timeout);
    }

    private static Activity? Find(List<Activity> spans, string name)
    {
        lock (spans)
        {
            return spans.FirstOrDefault(s => s.DisplayName == name);
        }
    }
}
