using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using SystemTests.Harness;
using Testing;
using Xunit.Abstractions;

namespace SystemTests.Operations;

/// <summary>
/// What an operator scrapes and alerts on, checked with Prometheus' own tool (<c>promtool</c>, Debian's prometheus
/// package, installed by eng/install-deps.sh): every service's <c>/metrics</c> passes <c>promtool check metrics</c>,
/// histograms in seconds have buckets a percentile can be computed from, the shipped alert rules pass their unit tests,
/// and every metric the rules and the Grafana dashboards query is one the services export.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed partial class OperationsTests(SystemDependencies deps, ITestOutputHelper output)
{
    private static readonly string Deploy = Path.Combine(Repository.Root, "deploy");

    /// <summary>Metrics that exist only once something happened (a failure, a dead letter, a reclaimed lease).</summary>
    private static readonly HashSet<string> EventDriven =
    [
        "jobs_reclaimed_total", "distributor_attempts_total", "distributor_delivery_latency_seconds_bucket", "distributor_breaker_state",
        "gen_ai_client_operation_duration_seconds_bucket", "chat_generation_time_to_first_token_seconds_bucket", "up",
    ];

    [Fact]
    public async Task Alert_rules_are_valid_and_pass_their_unit_tests()
    {
        var check = await PromtoolAsync(["check", "rules", "alerts.yml"], null);
        Assert.True(check.ExitCode == 0, check.Output);
        var test = await PromtoolAsync(["test", "rules", "alerts.test.yml"], null);
        Assert.True(test.ExitCode == 0, test.Output);
        output.WriteLine(test.Output);
    }

    [Fact]
    public async Task Every_services_metrics_pass_promtool_and_every_queried_metric_is_exported()
    {
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = budget.Token;
        var stack = await deps.GetStackAsync(nameof(OperationsTests), ct);
        await deps.RestoreAllAsync(ct);
        var api = new StackApi(stack);
        // Traffic, so the job, chat and delivery instruments have measurements.
        var document = await api.UploadDocumentAsync($"ops-{Guid.NewGuid():N}.txt", "Operations notes",
            "The operations notes say every histogram needs buckets that fit its unit.\n", ct);
        await api.WaitDocumentSettledAsync(document, TimeSpan.FromSeconds(60), ct);
        using (var chat = stack.Request(HttpMethod.Post, "api/chat",
            new { message = $"What do the operations tests ask {Guid.NewGuid():N}?" }))
        {
            await api.ExpectAsync(stack.Chat, chat, ct, System.Net.HttpStatusCode.OK);
        }

        await api.PostEventAsync("system.operations-test", new { at = DateTimeOffset.UtcNow }, ct);
        foreach (var service in stack.All)
        {
            await SystemStack.ProbeReadyAsync(service, ct);
        }

        var exported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var service in stack.All)
        {
            var text = await Eventually.UntilAsync(c => service.Http.GetStringAsync("metrics", c),
                m => m.Contains("health_check_status{", StringComparison.Ordinal), TimeSpan.FromSeconds(20),
                $"{service.Name} /metrics should carry the readiness gauge", ct);
            var lint = await PromtoolAsync(["check", "metrics"], text);
            Assert.True(lint.ExitCode == 0, $"{service.Name}: promtool check metrics:\n{lint.Output}");
            foreach (Match m in SampleName().Matches(text))
            {
                exported.Add(m.Groups[1].Value);
            }

            if (service.Kind == ServiceKind.ChatService)
            {
                // ChatService registers its breakers (ollama, embeddings, chroma) at start; the others on first use.
                Assert.Matches("circuit_breaker_state\\{[^}]*breaker=\"ollama\"[^}]*\\} 0", text);
                // Seconds histograms without their own advice get 5 ms … 10 min buckets (was 0, 5, 10 … 10000): the
                // ingestion job above is measured in buckets a percentile can be computed from.
                Assert.Matches("jobs_duration_seconds_bucket\\{[^}]*le=\"0.05\"", text);
            }
        }

        var queried = QueriedMetrics().ToHashSet(StringComparer.Ordinal);
        var missing = queried.Where(q => !exported.Contains(q) && !EventDriven.Contains(q)).Order().ToList();
        output.WriteLine($"queried: {string.Join(", ", queried.Order())}");
        Assert.True(missing.Count == 0, $"alert rules or dashboards query metrics no service exports: {string.Join(", ", missing)}");
    }

    [Fact]
    public async Task Every_dashboard_query_is_valid_promql()
    {
        var rules = new StringBuilder("groups:\n  - name: dashboards\n    rules:\n");
        var count = 0;
        foreach (var (dashboard, expr) in DashboardQueries())
        {
            // Grafana variables become plain values, so promtool parses the query as Prometheus will run it.
            var runnable = expr.Replace("$job", "x", StringComparison.Ordinal);
            rules.Append($"      - record: dashboard:{Path.GetFileNameWithoutExtension(dashboard)}:q{count++}\n        expr: " +
                $"{JsonSerializer.Serialize(runnable)}\n");
        }

        Assert.True(count > 30, $"only {count} dashboard queries found");
        var file = Path.Combine(Path.GetTempPath(), $"dashboards-{Guid.NewGuid():N}.rules.yml");
        await File.WriteAllTextAsync(file, rules.ToString());
        try
        {
            var check = await PromtoolAsync(["check", "rules", file], null);
            Assert.True(check.ExitCode == 0, check.Output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static IEnumerable<(string Dashboard, string Expr)> DashboardQueries()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(Deploy, "grafana"), "*.json"))
        {
            using var json = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var panel in json.RootElement.GetProperty("panels").EnumerateArray())
            {
                foreach (var target in panel.GetProperty("targets").EnumerateArray())
                {
                    yield return (file, target.GetProperty("expr").GetString()!);
                }
            }
        }
    }

    /// <summary>Metric names in the alert rules and dashboards (identifiers followed by a selector or a range).</summary>
    private static IEnumerable<string> QueriedMetrics()
    {
        var texts = DashboardQueries().Select(q => q.Expr)
            .Concat(File.ReadAllLines(Path.Combine(Deploy, "prometheus", "alerts.yml")).Where(l => l.TrimStart().StartsWith("expr:",
                StringComparison.Ordinal)));
        foreach (var text in texts)
        {
            foreach (Match m in QueriedName().Matches(text))
            {
                yield return m.Groups[1].Value;
            }
        }
    }

    private static async Task<(int ExitCode, string Output)> PromtoolAsync(string[] arguments, string? input)
    {
        var start = new ProcessStartInfo("promtool")
        {
            WorkingDirectory = Path.Combine(Deploy, "prometheus"),
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)
            ?? throw new InvalidOperationException("promtool did not start (apt-get install prometheus)");
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{| )", RegexOptions.Multiline)]
    private static partial Regex SampleName();

    [GeneratedRegex(@"\b([a-z][a-z0-9_]*_[a-z0-9_]+|up)\s*(?:\{|\[)")]
    private static partial Regex QueriedName();
}
