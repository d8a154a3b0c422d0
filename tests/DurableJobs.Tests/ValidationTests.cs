using System.Text.Json;
using DurableJobs.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Testing;
using Xunit.Abstractions;

namespace DurableJobs.Tests;

/// <summary>Requests that break a queue's limits are refused before anything is stored.</summary>
[Collection(DependenciesCollection.Name)]
public sealed class ValidationTests(DependenciesFixture dependencies, ITestOutputHelper output) : JobsTestBase(dependencies, output)
{
    private async Task<JobsTestHost> HostAsync() =>
        await StartHostAsync(Settings("api", script: null) with
        {
            QueueOptions = o => { o.MaxPayloadBytes = 1024; o.MaxTimeout = TimeSpan.FromMinutes(1); o.MaxAttemptsLimit = 10; },
        });

    [Fact]
    public async Task Unknown_queue_is_refused()
    {
        var host = await HostAsync();
        var error = await Assert.ThrowsAsync<JobValidationException>(() =>
            host.EnqueueAsync(host.Request() with { Queue = "no-such-queue" }, Timeout));
        Assert.Contains("no-such-queue", error.Message, StringComparison.Ordinal);
        Assert.Empty(await host.RowsAsync(Timeout));
    }

    [Fact]
    public async Task Oversized_payload_is_refused()
    {
        var host = await HostAsync();
        var payload = new { text = new string('x', 2000) };
        await Assert.ThrowsAsync<JobValidationException>(() => host.EnqueueAsync(host.Request(payload), Timeout));
        await Assert.ThrowsAsync<JobValidationException>(() => host.InScopeAsync(sp =>
            Task.FromResult(sp.GetRequiredService<IJobScheduler>().Stage(host.Request(payload)))));
        Assert.Empty(await host.RowsAsync(Timeout));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(61)]
    public async Task Timeout_out_of_range_is_refused(int seconds)
    {
        var host = await HostAsync();
        await Assert.ThrowsAsync<JobValidationException>(() =>
            host.EnqueueAsync(host.Request(timeout: TimeSpan.FromSeconds(seconds)), Timeout));
        Assert.Empty(await host.RowsAsync(Timeout));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    public async Task Attempt_count_out_of_range_is_refused(int attempts)
    {
        var host = await HostAsync();
        await Assert.ThrowsAsync<JobValidationException>(() => host.EnqueueAsync(host.Request(maxAttempts: attempts), Timeout));
    }

    [Fact]
    public async Task Payload_within_the_limit_and_maximum_timeout_are_accepted()
    {
        var host = await HostAsync();
        var result = await host.EnqueueAsync(host.Request(new { text = new string('x', 900) }, timeout: TimeSpan.FromMinutes(1),
            maxAttempts: 10), Timeout);
        Assert.True(result.Created);
        Assert.Equal(10, result.Job.MaxAttempts);
        Assert.Equal(900, result.Job.Payload.GetProperty("text").GetString()!.Length);
        Assert.Equal(JsonValueKind.Object, result.Job.Payload.ValueKind);
    }

    [Fact]
    public async Task Inconsistent_queue_options_stop_the_host_at_start()
    {
        var settings = Settings("bad", script: null) with
        {
            QueueOptions = o => { o.LeaseDuration = TimeSpan.FromSeconds(2); o.HeartbeatInterval = TimeSpan.FromSeconds(5); },
        };

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => StartHostAsync(settings));
        Assert.Contains("HeartbeatInterval", error.Message, StringComparison.Ordinal);
    }
}
