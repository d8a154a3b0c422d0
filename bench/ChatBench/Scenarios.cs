using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using OllamaSimulator;

namespace ChatBench;

internal static class Scenarios
{
    private static readonly float[] QueryVector = Enumerable.Range(0, 384).Select(i => (float)Math.Sin(i)).ToArray();
    private static string? _collectionId;

    public static async Task<ScenarioResult> RunAsync(string name, int count, int concurrency, Func<int, Task<bool>> call)
    {
        var recorder = new LatencyRecorder(name);
        recorder.Start();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency },
            async (i, _) => await recorder.TimeAsync(() => call(i)));
        return recorder.Report();
    }

    public static Task<bool> ChatAsync(HttpClient chat, int i, CancellationToken cancellationToken = default) =>
        ChatAsync(chat, Corpus.Question(i), cancellationToken);

    public static async Task<bool> ChatAsync(HttpClient chat, string question, CancellationToken cancellationToken = default)
    {
        try
        {
            using var response = await chat.PostAsJsonAsync("/api/chat", new { message = question }, cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public static async Task<bool> DirectSimulatorAsync(HttpClient simulator, int i)
    {
        using var response = await simulator.PostAsJsonAsync("api/chat", new
        {
            model = "llama3.2",
            stream = true,
            messages = new[] { new { role = "user", content = Corpus.Question(i) } },
        });
        _ = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode;
    }

    // why: a query without an owner sends no "where" at all (the top-5 ceiling), not "where": null
    private static readonly JsonSerializerOptions OmitNulls =
        new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    /// <summary>
    /// A top-<paramref name="results"/> query of the question vector; with <paramref name="owner"/>, filtered to that owner's
    /// chunks as ChatService asks (top-K × Retrieval:CandidateMultiplier, <c>where owner</c>).
    /// </summary>
    public static async Task<bool> ChromaQueryAsync(HttpClient chroma, int results = 5, string? owner = null)
    {
        const string prefix = "api/v2/tenants/default_tenant/databases/default_database/collections";
        if (_collectionId is null)
        {
            var collections = await chroma.GetFromJsonAsync<JsonElement>(prefix);
            _collectionId = collections.EnumerateArray().First().GetProperty("id").GetString();
        }

        using var response = await chroma.PostAsJsonAsync($"{prefix}/{_collectionId}/query", new
        {
            query_embeddings = new[] { QueryVector },
            n_results = results,
            where = owner is null ? null : new { owner },
            include = new[] { "distances" },
        }, OmitNulls);
        return response.IsSuccessStatusCode;
    }
}

/// <summary>
/// One client, one request at a time. Each round asks ChatService a question, then sends the two model calls the turn
/// made (the embedding of the question and the chat request with the turn's prompt, as the in-process simulator recorded
/// them) straight to the simulator again. The chat request's overhead is its time minus those two calls of the same
/// round, so load drifting during the run moves both sides alike, and the model's own work on the turn's 7 KB prompt is
/// counted as the model's. The earlier reading, minus two calls with the bare question, is printed beside it.
/// </summary>
internal static class SingleClient
{
    public static async Task<SingleClientResult> RunAsync(HttpClient chat, HttpClient simulator, OllamaSimulatorServer recorder,
        int rounds)
    {
        var overhead = new List<double>(rounds);
        var overheadBare = new List<double>(rounds);
        var chatMs = new List<double>(rounds);
        var modelMs = new List<double>(rounds);
        var bareModelMs = new List<double>(rounds);
        var retrievalMs = new List<double>(rounds);
        var serverMs = new List<double>(rounds);
        // why: ChatService runs in this process: its stage spans (rag.full_text, rag.vector_query, …) say where a turn's time
        // goes, and, one request at a time, what the whole process allocates during a span is (nearly all) the span's
        var spans = new System.Collections.Concurrent.ConcurrentDictionary<string, System.Collections.Concurrent.ConcurrentBag<(double Ms, double Kb)>>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "ChatService" or "Experimental.Microsoft.Extensions.AI" or "Microsoft.AspNetCore",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = a => a.SetCustomProperty("bench.allocated", GC.GetTotalAllocatedBytes()),
            ActivityStopped = a =>
            {
                // why: ChatService's and the simulator's requests alike (their tags are set after the start)
                var name = a.Source.Name == "Microsoft.AspNetCore" ? "http server request" : a.OperationName;
                var kb = a.GetCustomProperty("bench.allocated") is long before ? (GC.GetTotalAllocatedBytes() - before) / 1024.0 : double.NaN;
                spans.GetOrAdd(name, _ => []).Add((a.Duration.TotalMilliseconds, kb));
            },
        };
        ActivitySource.AddActivityListener(listener);
        var errors = 0;
        for (var i = 0; i < rounds; i++)
        {
            // why: a question no earlier scenario asked, so ChatService embeds it (its embedding cache would skip a model call)
            var question = $"{Corpus.Question(i)} (single client round {i})";
            var bare = await ModelCallsAsync(simulator, "all-minilm", [question], "llama3.2", [new ReceivedMessage("user", question)], null);
            errors += bare.Errors;
            // why: what the simulator records from here on is this round's turn: its two model calls, replayed below
            recorder.Reset();
            var started = Stopwatch.GetTimestamp();
            using (var response = await chat.PostAsJsonAsync("/api/chat", new { message = question }))
            {
                var text = await response.Content.ReadAsStringAsync();
                errors += response.IsSuccessStatusCode ? 0 : 1;
                using var body = response.IsSuccessStatusCode ? JsonDocument.Parse(text) : null;
                if (body is not null && body.RootElement.TryGetProperty("timings", out var timings))
                {
                    // why: the turn's own stage timings (ChatTimings) say where the overhead is: retrieval or the rest
                    retrievalMs.Add(timings.GetProperty("retrievalMs").GetDouble());
                    serverMs.Add(timings.GetProperty("totalMs").GetDouble());
                }
            }

            var total = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var made = recorder.Requests;
            var embedded = made.Single(r => r.Endpoint is "embed" or "embeddings");
            var generated = made.Single(r => r.Endpoint is "chat");
            var same = await ModelCallsAsync(simulator, embedded.Model, embedded.Inputs, generated.Model, generated.Messages,
                generated.Options);
            errors += same.Errors;
            chatMs.Add(total);
            modelMs.Add(same.Ms);
            bareModelMs.Add(bare.Ms);
            overhead.Add(total - same.Ms);
            overheadBare.Add(total - bare.Ms);
        }

        return new SingleClientResult(rounds, errors, Percentile(overhead, 0.50), Percentile(overhead, 0.95), Percentile(chatMs, 0.50),
            Percentile(chatMs, 0.95), Percentile(modelMs, 0.50), Percentile(modelMs, 0.95), Percentile(retrievalMs, 0.50),
            Percentile(serverMs, 0.50), Percentile(overheadBare, 0.50), Percentile(bareModelMs, 0.50),
            spans.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => new SpanFigures(
                Percentile(kv.Value.Select(v => v.Ms).ToList(), 0.50), Percentile(kv.Value.Select(v => v.Kb).Where(double.IsFinite).ToList(), 0.50))));
    }

    /// <summary>An embedding and a streamed chat request straight at the simulator, one after the other.</summary>
    private static async Task<(double Ms, int Errors)> ModelCallsAsync(HttpClient simulator, string embedModel, IReadOnlyList<string> inputs,
        string chatModel, IReadOnlyList<ReceivedMessage> messages, JsonElement? options)
    {
        var errors = 0;
        var started = Stopwatch.GetTimestamp();
        using (var embed = await simulator.PostAsJsonAsync("api/embed", new { model = embedModel, input = inputs }))
        {
            _ = await embed.Content.ReadAsStringAsync();
            errors += embed.IsSuccessStatusCode ? 0 : 1;
        }

        using (var generate = await simulator.PostAsJsonAsync("api/chat", new
               {
                   model = chatModel,
                   stream = true,
                   messages = messages.Select(m => new { role = m.Role, content = m.Content }),
                   options,
               }))
        {
            _ = await generate.Content.ReadAsStringAsync();
            errors += generate.IsSuccessStatusCode ? 0 : 1;
        }

        return (Stopwatch.GetElapsedTime(started).TotalMilliseconds, errors);
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }
}

/// <summary>The single-client scenario's figures, in milliseconds.</summary>
internal sealed record SingleClientResult(int Rounds, int Errors, double OverheadP50Ms, double OverheadP95Ms, double ChatP50Ms, double ChatP95Ms,
    double ModelCallsP50Ms, double ModelCallsP95Ms, double RetrievalP50Ms, double TurnP50Ms, double OverheadBareP50Ms,
    double BareModelCallsP50Ms, IReadOnlyDictionary<string, SpanFigures> Stages)
{
    /// <summary>The stage spans' p50 durations, e.g. "rag.full_text 1.2 ms, rag.vector_query 3.4 ms".</summary>
    public string Spans => string.Join(", ", Stages.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value.P50Ms:F1} ms")));

    /// <summary>What the process allocated during each span (p50), e.g. "rag.full_text 12 KB".</summary>
    public string Allocations => string.Join(", ", Stages.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value.P50Kb:F0} KB")));

    /// <summary>The overhead goal of issue 19: a chat request costs at most this much over its two model calls (p50).</summary>
    public const double OverheadGoalP50Ms = 5;

    /// <summary>The markdown rows the text output prints: the two direct model calls (the ceiling) beside the chat request.</summary>
    public IEnumerable<string> Rows()
    {
        yield return string.Create(CultureInfo.InvariantCulture,
            $"| simulator embed + chat direct, c=1, the turn's own two calls replayed (ceiling) | {Rounds} | – | {ModelCallsP50Ms:F1} | p95 {ModelCallsP95Ms:F1} | 0 |");
        yield return string.Create(CultureInfo.InvariantCulture,
            $"| ChatService /api/chat, c=1, instant LLM | {Rounds} | – | {ChatP50Ms:F1} | p95 {ChatP95Ms:F1} | {Errors} |");
        yield return string.Create(CultureInfo.InvariantCulture,
            $"| chat overhead over the two model calls, c=1 (goal p50 ≤ {OverheadGoalP50Ms:F0} ms) | {Rounds} | – | {OverheadP50Ms:F1} | p95 {OverheadP95Ms:F1} | – |");
        yield return string.Create(CultureInfo.InvariantCulture,
            $"| the same over two calls with the bare question instead (p50 {BareModelCallsP50Ms:F1} ms; the earlier reading) | {Rounds} | – | {OverheadBareP50Ms:F1} | – | – |");
        yield return string.Create(CultureInfo.InvariantCulture,
            $"| of which, by the turn's own timings: retrieval p50 | {Rounds} | – | {RetrievalP50Ms:F1} | turn total p50 {TurnP50Ms:F1} | – |");
        yield return $"| stage spans p50: {Spans} | {Rounds} | – | – | – | – |";
        yield return $"| allocated during each span p50: {Allocations} | {Rounds} | – | – | – | – |";
    }
}

/// <summary>One stage span at c=1: its p50 duration and the p50 of what the process allocated while it ran.</summary>
internal readonly record struct SpanFigures(double P50Ms, double P50Kb);
