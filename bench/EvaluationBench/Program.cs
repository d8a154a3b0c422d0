// EvaluationBench (bench/README.md): evaluation throughput against an LLM with a fixed latency.
//   dotnet run -c Release --project bench/EvaluationBench -- [--cases 64] [--parallelism 8] [--latency-ms 200] [--json FILE]
// efficiency = ideal parallel time (cases × latency ÷ parallelism) ÷ actual run time, printed beside the same figure
// for the same calls made directly to the simulator at the same parallelism (the ceiling of this setup).
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EvaluationBench;
using ServiceDefaults.Auth;
using Testing;

var options = BenchOptions.Parse(args);
using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(15));
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var ct = cancel.Token;
var startedAt = DateTimeOffset.UtcNow;
var signingKey = "evalbench-signing-key-" + Guid.NewGuid().ToString("N");

await using var stack = await BenchStack.StartAsync(signingKey, ct);
var userToken = DevTokenIssuer.Mint(signingKey, [new System.Security.Claims.Claim("sub", "bench-user")], "aspire-chat-dev", ServiceAudiences.All.ToArray(), TimeSpan.FromHours(1));
using var simulator = new HttpClient { BaseAddress = stack.Simulator.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
using var evaluation = new HttpClient { BaseAddress = stack.Evaluation.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
evaluation.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", userToken);
using var jitProbe = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

await SetFixedLatencyAsync(simulator, options.LatencyMs, ct);

Console.WriteLine($"cases {options.Cases}, parallelism {options.Parallelism}, fixed LLM latency {options.LatencyMs} ms, ideal {options.IdealTime.TotalSeconds:0.00} s");

// Ceiling: the same number of answers straight from the simulator, P at a time. Measured again after the evaluation run,
// warm like it: this first reading also pays the simulator's and the client's first-call costs (JIT, connections).
var directCold = await DirectAsync(simulator, options, ct);
Console.WriteLine($"direct simulator, cold: {directCold.TotalSeconds:0.00} s → efficiency {options.IdealTime / directCold:0.000}");

// Warm-up (JIT, connection pools, the chat path); not measured: runs of 500 cases with an instant LLM until both
// services' JIT settled (JitWarmUp); the fixed latency is set again below, after the counters are reset.
await SetFixedLatencyAsync(simulator, 0, ct);
var warmedUp = await JitWarmUp.UntilSettledAsync(jitProbe, [stack.Chat, stack.Evaluation], async i =>
{
    var warmUp = await RunEvaluationAsync(evaluation, $"warm-up {i}", 500, 16, ct);
    Console.WriteLine($"warm-up run {i}: {warmUp.Status}, {warmUp.Answered}/500 answered in {warmUp.ServerTime.TotalSeconds:0.0} s");
}, TimeSpan.FromMinutes(4), ct);
Console.WriteLine($"warm-up: {warmedUp}");
var jitBefore = await JitWarmUp.CompiledAsync(jitProbe, [stack.Chat, stack.Evaluation], ct);

// Counters (calls, maximum concurrency) from here on describe the measured run only; the reset also clears the faults,
// so the fixed latency is set again after it.
await stack.Simulator.ResetAsync(ct);
await SetFixedLatencyAsync(simulator, options.LatencyMs, ct);
var chatCallsBefore = stack.Simulator.ChatRequests;
var run = await RunEvaluationAsync(evaluation, "measured", options.Cases, options.Parallelism, ct);
var llmCallsPerCase = (double)(stack.Simulator.ChatRequests - chatCallsBefore) / options.Cases;
var jitDuring = (await JitWarmUp.CompiledAsync(jitProbe, [stack.Chat, stack.Evaluation], ct)).Zip(jitBefore, (a, b) => a - b).ToArray();
var maxConcurrent = stack.Simulator.MaxConcurrentObserved;
var direct = await DirectAsync(simulator, options, ct);
Console.WriteLine($"direct simulator, warm (the ceiling): {direct.TotalSeconds:0.00} s → efficiency {options.IdealTime / direct:0.000}");
Console.WriteLine($"  methods compiled during the measured run: ChatService {jitDuring[0]}, EvaluationService {jitDuring[1]}");
var serverEfficiency = options.IdealTime / run.ServerTime;
var endToEndEfficiency = options.IdealTime / run.ClientTime;
var directEfficiency = options.IdealTime / direct;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"evaluation run: {run.Status}, {run.Answered}/{options.Cases} answered, {llmCallsPerCase:0.00} LLM calls per case, max {maxConcurrent} in flight at the simulator"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"  run time (startedAt → finishedAt): {run.ServerTime.TotalSeconds:0.00} s → efficiency {serverEfficiency:0.000} ({serverEfficiency / directEfficiency:P0} of direct)"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"  end to end (POST → terminal status seen, includes queueing): {run.ClientTime.TotalSeconds:0.00} s → efficiency {endToEndEfficiency:0.000}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"  throughput {options.Cases / run.ServerTime.TotalSeconds:0.0} cases/s (ideal {options.Parallelism * 1000.0 / options.LatencyMs:0.0}); overhead per case {(run.ServerTime - options.IdealTime).TotalMilliseconds * options.Parallelism / options.Cases:0} ms"));
// Where the time went: a case's chat call beyond the LLM's latency is ChatService (and the network); the rest of the
// run time, beyond Σ(chat call) ÷ P, is EvaluationService's own work between and around the calls.
double? meanCall = run.Latencies.Length > 0 ? run.Latencies.Average() : null;
double? gapPerCase = run.Latencies.Length > 0
    ? (run.ServerTime.TotalMilliseconds * options.Parallelism - run.Latencies.Sum()) / run.Latencies.Length
    : null;
if (run.Latencies.Length > 0)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  per case: chat call {meanCall:0} ms mean (LLM {options.LatencyMs} ms → ChatService {meanCall - options.LatencyMs:0} ms), " +
        $"outside the call {gapPerCase:0} ms (slot × run time − Σ calls, ÷ cases)"));
}

if (options.JsonPath is { } path)
{
    var notes = $"{options.Cases} cases, parallelism {options.Parallelism}, fixed LLM latency {options.LatencyMs} ms, judge off";
    var figures = new List<Figure>
    {
        new("evaluation-efficiency", Math.Round(serverEfficiency, 3), "ratio", Notes: $"ideal / run time (startedAt→finishedAt); {notes}"),
        new("evaluation-efficiency-end-to-end", Math.Round(endToEndEfficiency, 3), "ratio", Notes: "ideal / (POST → terminal status seen)"),
        new("sim-direct-efficiency", Math.Round(directEfficiency, 3), "ratio",
            Notes: $"same calls straight to the simulator, {options.Parallelism} at a time, warm (after the run); cold, first thing: " +
                   string.Create(CultureInfo.InvariantCulture, $"{options.IdealTime / directCold:0.000}")),
        new("evaluation-vs-direct", Math.Round(serverEfficiency / directEfficiency, 3), "ratio", Notes: "evaluation efficiency ÷ direct efficiency"),
        new("evaluation-cases", Math.Round(options.Cases / run.ServerTime.TotalSeconds, 2), "cases/s", Notes: $"ideal {options.Parallelism * 1000.0 / options.LatencyMs:0.0} cases/s"),
    };
    if (meanCall is { } call && gapPerCase is { } gap)
    {
        figures.Add(new("evaluation-chat-call", Math.Round(call, 1), "ms",
            Notes: $"mean chat call per case as EvaluationService timed it; the LLM's part is {options.LatencyMs} ms"));
        figures.Add(new("evaluation-outside-call", Math.Round(gap, 1), "ms",
            Notes: "per case: (run time × parallelism − Σ chat calls) ÷ cases: EvaluationService's own work around the calls"));
    }

    var environment = new Dictionary<string, string>
    {
        ["cases"] = options.Cases.ToString(CultureInfo.InvariantCulture),
        ["parallelism"] = options.Parallelism.ToString(CultureInfo.InvariantCulture),
        ["latencyMs"] = options.LatencyMs.ToString(CultureInfo.InvariantCulture),
        ["llmCallsPerCase"] = llmCallsPerCase.ToString("0.00", CultureInfo.InvariantCulture),
        ["runStatus"] = run.Status,
        ["warmUp"] = warmedUp,
        ["jitDuringMeasuredRun"] = string.Join(", ", jitDuring),
        ["maxConcurrentAtSimulator"] = maxConcurrent.ToString(CultureInfo.InvariantCulture),
        ["processorCount"] = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture),
    };
    await File.WriteAllTextAsync(path, JsonSerializer.Serialize(new BenchResult("EvaluationBench", startedAt, figures, environment), JsonSerializerOptions.Web), ct);
}

return run.Status == "succeeded" && run.Answered == options.Cases ? 0 : 1;

// Fixed latency for chat only: ChatService may embed the question for retrieval, and an embedding is not an LLM answer.
static async Task SetFixedLatencyAsync(HttpClient simulator, int latencyMs, CancellationToken ct)
{
    using var faults = await simulator.PostAsJsonAsync("_sim/faults", new { chat = new { fixedLatencyMs = latencyMs } }, ct);
    faults.EnsureSuccessStatusCode();
}

static async Task<TimeSpan> DirectAsync(HttpClient simulator, BenchOptions options, CancellationToken ct)
{
    var stopwatch = Stopwatch.StartNew();
    await Parallel.ForEachAsync(Enumerable.Range(0, options.Cases), new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = ct },
        async (i, token) =>
        {
            using var response = await simulator.PostAsJsonAsync("api/chat", new
            {
                model = "llama3.2:1b",
                stream = true,
                messages = new[] { new { role = "user", content = $"Direct question {i}?" } },
            }, token);
            response.EnsureSuccessStatusCode();
            _ = await response.Content.ReadAsStringAsync(token);
        });
    return stopwatch.Elapsed;
}

static async Task<RunOutcome> RunEvaluationAsync(HttpClient evaluation, string label, int cases, int parallelism, CancellationToken ct)
{
    // Unique questions: ChatService caches answers, and a cached answer would not reach the LLM.
    var suite = new
    {
        name = $"bench {label} {Guid.NewGuid():N}",
        cases = Enumerable.Range(0, cases).Select(i => new { question = $"Bench {label} question {i} {Guid.NewGuid():N}?", expectedKeywords = new[] { "bench" } }).ToArray(),
    };
    using var created = await evaluation.PostAsJsonAsync("api/suites", suite, ct);
    var suiteBody = await created.Content.ReadAsStringAsync(ct);
    if (!created.IsSuccessStatusCode)
    {
        throw new InvalidOperationException($"POST /api/suites answered {(int)created.StatusCode}: {suiteBody}");
    }

    var suiteId = JsonDocument.Parse(suiteBody).RootElement.GetProperty("id").GetGuid();
    using var request = new HttpRequestMessage(HttpMethod.Post, "api/evaluations")
    {
        Content = JsonContent.Create(new { suiteId, parallelism, repetitions = 1, caseTimeoutSeconds = 60, runTimeoutSeconds = 600 }),
    };
    request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
    var stopwatch = Stopwatch.StartNew();
    using var started = await evaluation.SendAsync(request, ct);
    var runBody = await started.Content.ReadAsStringAsync(ct);
    if (!started.IsSuccessStatusCode)
    {
        throw new InvalidOperationException($"POST /api/evaluations answered {(int)started.StatusCode}: {runBody}");
    }

    var runId = JsonDocument.Parse(runBody).RootElement.GetProperty("id").GetGuid();
    var view = await Eventually.UntilAsync(async token =>
        {
            using var response = await evaluation.GetAsync($"api/evaluations/{runId}", token);
            response.EnsureSuccessStatusCode();
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync(token)).RootElement.Clone();
        },
        v => v.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled" or "timed_out",
        TimeSpan.FromMinutes(10), $"evaluation {runId} should finish", ct);
    var clientTime = stopwatch.Elapsed;

    using var reportResponse = await evaluation.GetAsync($"api/evaluations/{runId}/report", ct);
    var answered = 0;
    double[] latencies = [];
    if (reportResponse.IsSuccessStatusCode)
    {
        var report = JsonDocument.Parse(await reportResponse.Content.ReadAsStringAsync(ct)).RootElement;
        answered = CountAnswered(report);
        latencies = Latencies(report);
        // why: a run that answers nothing measures nothing; say why (e.g. CHAT_THROTTLED) instead of a bare 0
        if (answered < cases && Outcomes(report) is { Length: > 0 } outcomes)
        {
            Console.WriteLine($"  {label}: {outcomes}");
        }
    }

    var serverTime = view.GetProperty("finishedAt").GetDateTimeOffset() - view.GetProperty("startedAt").GetDateTimeOffset();
    return new RunOutcome(view.GetProperty("status").GetString()!, answered, serverTime, clientTime, latencies);
}

static string Outcomes(JsonElement report)
{
    if (!report.TryGetProperty("cases", out var cases) || cases.ValueKind != JsonValueKind.Array)
    {
        return string.Empty;
    }

    var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
    foreach (var repetition in cases.EnumerateArray().SelectMany(row => row.GetProperty("repetitions").EnumerateArray()))
    {
        var code = repetition.TryGetProperty("errorCode", out var c) && c.ValueKind == JsonValueKind.String ? "/" + c.GetString() : string.Empty;
        var key = repetition.GetProperty("outcome").GetString() + code;
        counts[key] = counts.GetValueOrDefault(key) + 1;
    }

    return string.Join(", ", counts.Select(c => $"{c.Key} × {c.Value}"));
}

// The chat call of each case as EvaluationService timed it (request sent → answer read).
static double[] Latencies(JsonElement report) => report.TryGetProperty("cases", out var cases) && cases.ValueKind == JsonValueKind.Array
    ? cases.EnumerateArray().SelectMany(row => row.GetProperty("repetitions").EnumerateArray())
        .Select(r => r.GetProperty("latencyMs").GetDouble()).ToArray()
    : [];

static int CountAnswered(JsonElement report)
{
    if (!report.TryGetProperty("cases", out var cases) || cases.ValueKind != JsonValueKind.Array)
    {
        return -1;
    }

    var answered = 0;
    foreach (var row in cases.EnumerateArray())
    {
        answered += row.TryGetProperty("answered", out var a) && a.GetInt32() > 0 ? 1 : 0;
    }

    return answered;
}
