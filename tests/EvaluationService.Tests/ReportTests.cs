using System.Diagnostics;
using EvaluationService.Apis;
using EvaluationService.Data;
using EvaluationService.Tests.Fakes;
using Testing;

namespace EvaluationService.Tests;

[Collection("dependencies")]
public sealed class ReportTests(DependenciesFixture dependencies) : IAsyncLifetime
{
    private const string Chromium = ChromiumFactAttribute.Path;
    private FakeChatService _chat = null!;
    private EvaluationApp _app = null!;

    public async Task InitializeAsync()
    {
        _chat = await FakeChatService.StartAsync();
        _app = EvaluationApp.Start(await EvaluationApp.CreateEnvironmentAsync(dependencies), _chat.BaseAddress);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _chat.DisposeAsync();
    }

    private async Task<(Guid Baseline, Guid Current)> BaselineAndRegressedRunAsync(HttpClient client)
    {
        var good = new Dictionary<string, FakeReply>
        {
            ["capital of France"] = FakeReply.Says("Paris is the capital of France", "doc-geo"),
            ["largest animal"] = FakeReply.Says("The blue whale", "doc-bio"),
            ["boiling point"] = FakeReply.Says("Water boils at 100 degrees Celsius", "doc-phys"),
        };
        _chat.Behaviour = q => good[q] with { Delay = TimeSpan.FromMilliseconds(q.Length) };
        var suite = await client.CreateSuiteAsync("regression",
            new CaseInput("capital of France", "Paris is the capital of France", ["Paris"], ["doc-geo"], ["geo"]),
            new CaseInput("largest animal", "the blue whale", ["blue whale"], ["doc-bio"], ["bio"]),
            new CaseInput("boiling point", "water boils at 100 degrees Celsius", ["100"], ["doc-phys"], ["physics"]));
        var baseline = await client.StartRunAsync(new CreateEvaluationRequest(suite.Id));
        await client.WaitUntilEndedAsync(baseline.Id, TimeSpan.FromSeconds(60));

        // Injected regression: one answer goes wrong and loses its citation.
        good["largest animal"] = FakeReply.Says("<b>The African elephant</b>");
        var current = await client.StartRunAsync(new CreateEvaluationRequest(suite.Id, BaselineId: baseline.Id));
        await client.WaitUntilEndedAsync(current.Id, TimeSpan.FromSeconds(60));
        return (baseline.Id, current.Id);
    }

    [Fact]
    public async Task Baseline_comparison_finds_an_injected_regression()
    {
        var client = _app.ClientFor("alice");
        var (baselineId, currentId) = await BaselineAndRegressedRunAsync(client);

        var report = await client.GetReportAsync(currentId);

        var comparison = report.Baseline!;
        Assert.Equal(baselineId, comparison.BaselineId);
        var regression = Assert.Single(comparison.Regressions);
        Assert.Equal("largest animal", regression.Question);
        Assert.Equal(1.0, regression.BaselinePassRate);
        Assert.Equal(0.0, regression.CurrentPassRate);
        Assert.Empty(comparison.Improvements);
        var passRate = comparison.Metrics.Single(m => m.Metric == "passRate");
        Assert.Equal(1.0, passRate.Baseline);
        Assert.Equal(-1.0 / 3, passRate.Delta!.Value, 6);
        Assert.Contains(comparison.Metrics, m => m.Metric == "latencyP95Ms");
        Assert.Contains(comparison.Metrics, m => m.Metric == "count.failed" && m.Delta == 1);
    }

    [ChromiumFact]
    public async Task Html_report_renders_its_charts_in_headless_chromium()
    {
        var client = _app.ClientFor("alice");
        var (_, currentId) = await BaselineAndRegressedRunAsync(client);
        var response = await client.GetAsync($"/api/evaluations/{currentId}/report.html");
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
        var html = await response.Content.ReadAsStringAsync();

        var directory = Directory.CreateTempSubdirectory("eval-report-");
        try
        {
            var file = Path.Combine(directory.FullName, "report.html");
            await File.WriteAllTextAsync(file, html);
            var screenshot = Path.Combine(directory.FullName, "report.png");
            var dom = await RunChromiumAsync(directory.FullName, "--dump-dom", $"file://{file}");
            await RunChromiumAsync(directory.FullName, $"--screenshot={screenshot}", "--window-size=1280,2000", $"file://{file}");

            foreach (var chart in new[] { "chart-score-distribution", "chart-latency-histogram", "chart-pass-rate-by-tag",
                "chart-outcomes" })
            {
                Assert.Contains($"id=\"{chart}\"", dom);
            }

            Assert.True(dom.Split("<rect class=\"bar").Length > 10, "charts have bars");
            Assert.Contains("Regressions (1)", dom);
            Assert.Contains("largest animal", dom);
            Assert.Contains("&lt;b&gt;The African elephant&lt;/b&gt;", dom);
            Assert.DoesNotContain("<b>The African elephant</b>", dom);
            Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot shows a rendered page");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task<string> RunChromiumAsync(string workDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(Chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workDirectory,
        };
        foreach (var argument in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage",
                     "--no-first-run", $"--user-data-dir={Path.Combine(workDirectory, "profile")}",
                 }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("chromium did not finish within 60 s");
        }

        Assert.True(process.ExitCode == 0, $"chromium exited {process.ExitCode}: {await stderr}");
        return await stdout;
    }
}
