using System.Net;
using Xunit.Abstractions;

namespace Testing.Tests;

public sealed class ChromaFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Paused_server_makes_requests_time_out_and_answers_again_after_resume()
    {
        var ct = TestBudget.Token(120);
        await using var chroma = new ChromaServer();
        await chroma.StartAsync(ct);
        output.WriteLine($"chroma started in {chroma.LastStartDuration?.TotalMilliseconds:0} ms");
        using var http = ChromaServerTests.ChromaClient(chroma, TimeSpan.FromSeconds(1));

        await chroma.PauseAsync(ct);

        var timeout = await Assert.ThrowsAsync<TaskCanceledException>(
            () => http.GetAsync("/api/v2/heartbeat", ct).WaitAsync(TimeSpan.FromSeconds(15), ct));
        Assert.IsType<TimeoutException>(timeout.InnerException);

        await chroma.ResumeAsync(ct);

        await Eventually.UntilAsync(async () => (await http.GetAsync("/api/v2/heartbeat", ct)).IsSuccessStatusCode,
            TimeSpan.FromSeconds(15), "chroma answers after resume", ct);
    }

    [Fact]
    public async Task Killed_server_keeps_its_collections_after_restart()
    {
        var ct = TestBudget.Token(120);
        await using var chroma = new ChromaServer();
        await chroma.StartAsync(ct);
        using var http = ChromaServerTests.ChromaClient(chroma, TimeSpan.FromSeconds(5));
        await ChromaServerTests.CreateCollectionAsync(http, "kept-collection", ct);

        await chroma.KillAsync(ct);

        Assert.False(chroma.IsRunning);
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/api/v2/heartbeat", ct));

        await chroma.RestartAsync(ct);

        output.WriteLine($"chroma restarted in {chroma.LastStartDuration?.TotalMilliseconds:0} ms");
        Assert.Equal(HttpStatusCode.OK, await ChromaServerTests.GetCollectionStatusAsync(http, "kept-collection", ct));
    }

    [Fact]
    public async Task Graceful_stop_ends_the_server()
    {
        var ct = TestBudget.Token(120);
        await using var chroma = new ChromaServer();
        await chroma.StartAsync(ct);
        var pid = chroma.ProcessId!.Value;

        await chroma.StopAsync(ct);

        Assert.False(chroma.IsRunning);
        Assert.False(ProcessTree.IsAlive(pid));
    }

    [Fact]
    public async Task Missing_installation_fails_with_the_install_hint()
    {
        await using var chroma = new ChromaServer { CliPath = "/nonexistent/chromadb/dist/cli.mjs" };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => chroma.StartAsync(TestBudget.Token()));

        Assert.Contains("eng/install-deps.sh", error.Message, StringComparison.Ordinal);
    }
}
