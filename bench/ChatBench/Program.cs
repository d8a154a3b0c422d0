using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using OllamaSimulator;
using ServiceDefaults.Auth;
using Testing;

namespace ChatBench;

/// <summary>The benchmark: figures for ChatService beside the simulator and Chroma called directly, in the same run.</summary>
internal static class BenchProgram
{
    /// <summary>The user every chat is asked as (and the owner of the corpus's chunks in Chroma).</summary>
    private const string BenchUser = "bench-user";

    public static async Task Main(string[] args)
    {
        // Usage: dotnet run -c Release --project bench/ChatBench [-- requests concurrency fixedLatencyMs] [--json FILE]
        var (positional, jsonPath) = ParseArguments(args);
        var requests = positional.Count > 0 ? int.Parse(positional[0], CultureInfo.InvariantCulture) : 1000;
        var concurrency = positional.Count > 1 ? int.Parse(positional[1], CultureInfo.InvariantCulture) : 32;
        var fixedLatencyMs = positional.Count > 2 ? int.Parse(positional[2], CultureInfo.InvariantCulture) : 200;
        var startedAt = DateTimeOffset.UtcNow;
        const string signingKey = "chat-bench-signing-key-0123456789abcdef-xyz";

        await using var postgres = new PostgresServer();
        await using var redis = new RedisServer();
        await using var chroma = new ChromaServer();
        await Task.WhenAll(postgres.StartAsync(CancellationToken.None), redis.StartAsync(CancellationToken.None), chroma.StartAsync(CancellationToken.None)); // why: benchmark driver, not product code; bounded by the run's own duration/timeouts
        await using var simulator = await OllamaSimulatorServer.StartAsync();
        var database = await postgres.CreateDatabaseAsync("chatbench", CancellationToken.None); // why: benchmark driver, not product code; bounded by the run's own duration/timeouts
        var endpoint = simulator.BaseAddress.ToString().TrimEnd('/');

        await using var factory = new BenchFactory(new Dictionary<string, string?>
        {
            ["ConnectionStrings:chatdb"] = postgres.ConnectionStringFor(database),
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["ConnectionStrings:chat-model"] = $"Endpoint={endpoint};Model=llama3.2",
            ["ConnectionStrings:embed-model"] = $"Endpoint={endpoint};Model=all-minilm",
            ["services:chroma:http:0"] = chroma.Endpoint,
            ["Auth:SigningKey"] = signingKey,
            ["Logging:PlainConsole"] = "true",
            ["Logging:LogLevel:Default"] = "Error",
            ["Chat:CacheAnswers"] = "false",
            // why: one bench user sends thousands of chats; the per-user window (60/min) would turn all but 60 into 429s
            ["RateLimits:chat:Enabled"] = "false",
            ["Chat:MaxConcurrentGenerations"] = "512",
            ["Chat:QueueLimit"] = "512",
            ["Llm:FirstTokenTimeout"] = "00:00:20",
            ["Llm:RetriesBeforeFirstToken"] = "0",
        });
        factory.UseKestrel(0);
        factory.StartServer();
        using var chat = factory.CreateClient();
        chat.Timeout = TimeSpan.FromSeconds(120);
        chat.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            DevTokenIssuer.Mint(signingKey, BenchUser, false, "aspire-chat-dev", ServiceAudiences.Chat, TimeSpan.FromHours(2)));

        // A small corpus so retrieval has work to do.
        for (var i = 0; i < 20; i++)
        {
            using var form = new MultipartFormDataContent { { new ByteArrayContent(Encoding.UTF8.GetBytes(Corpus.Document(i))), "file", $"doc{i}.md" } };
            using var _ = await chat.PostAsync("/api/documents", form);
        }

        await Eventually.UntilAsync(async ct =>
        {
            var page = await chat.GetFromJsonAsync<JsonElement>("/api/documents?limit=100", ct);
            return page.GetProperty("items").EnumerateArray().All(d => d.GetProperty("status").GetString() is "ready" or "pending_index" or "failed");
        }, TimeSpan.FromMinutes(2), "corpus indexed");

        using var direct = new HttpClient { BaseAddress = simulator.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        using var chromaHttp = new HttpClient { BaseAddress = chroma.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

        Console.WriteLine($"ChatBench: {requests} requests per scenario, concurrency {concurrency}, {Environment.ProcessorCount} cores");
        Console.WriteLine("| scenario | requests | req/s | p50 ms | p99 ms | errors |");
        Console.WriteLine("|---|---|---|---|---|---|");

        simulator.Faults.Chat = FaultSettings.None;
        // why: untimed warm-up until the JIT settled (JitWarmUp): a service still compiling is not the running one
        var warmUp = Math.Clamp(requests / 2, 100, 500);
        await Scenarios.RunAsync("warm-up: simulator", warmUp, concurrency, i => Scenarios.DirectSimulatorAsync(direct, i));
        await Scenarios.RunAsync("warm-up: chroma", warmUp, concurrency, _ => Scenarios.ChromaQueryAsync(chromaHttp));
        var warmedUp = await JitWarmUp.UntilSettledAsync(
            // why: questions the timed scenarios never ask, so their query embeddings are not cached by the warm-up
            i => Scenarios.ChatAsync(chat, $"{Corpus.Question(i)} (warm-up {i})"), 200, concurrency, TimeSpan.FromMinutes(4));
        Console.WriteLine($"| warm-up, untimed: {warmedUp} | – | – | – | – | – |");
        var directInstant = Print(await Scenarios.RunAsync("simulator /api/chat direct (ceiling)", requests, concurrency, i => Scenarios.DirectSimulatorAsync(direct, i)));
        var cpu = new CpuSplit(chroma.ProcessId, postgres.ProcessId, redis.ProcessId);
        var cpuBefore = cpu.Take();
        var chromaDirect = Print(await Scenarios.RunAsync("chroma query top-5 direct (ceiling)", requests, concurrency, _ => Scenarios.ChromaQueryAsync(chromaHttp)));
        var chromaCpu = cpu.Take().Since(cpuBefore, requests);
        Console.WriteLine($"| of which, CPU per query (this process is the client): {chromaCpu} | {requests} | – | – | – | – |");
        // why: informational: what the Chroma query a turn makes costs on its own (15 candidates, filtered to the owner)
        var chromaAsTurn = Print(await Scenarios.RunAsync("chroma query as a turn sends it: top-15, owner filter (informational)", requests,
            concurrency, _ => Scenarios.ChromaQueryAsync(chromaHttp, 15, BenchUser)));
        var gcBefore = GcSnapshot.Take();
        cpuBefore = cpu.Take();
        var chatInstant = Print(await Scenarios.RunAsync("ChatService /api/chat, instant LLM", requests, concurrency, i => Scenarios.ChatAsync(chat, i)));
        var chatCpu = cpu.Take().Since(cpuBefore, requests);
        var gcChat = GcSnapshot.Take().Since(gcBefore, requests);
        Console.WriteLine($"| of which, per chat (whole process: ChatService, the simulator, the client): {gcChat} | {requests} | – | – | – | – |");
        Console.WriteLine($"| of which, CPU per chat (this process is ChatService, the simulator and the client): {chatCpu} | {requests} | – | – | – | – |");
        // A chat cannot go faster than the cores ÷ its CPU; the Chroma ceiling is bound by Chroma's own process, which
        // answers on one thread (its CPU per query × its rate is about one core).
        var chatCpuBound = Environment.ProcessorCount * 1000 / chatCpu.TotalMs;
        var cpuBound = chatCpuBound / chromaDirect.PerSecond;
        var chatVsChroma = chatInstant.PerSecond / chromaDirect.PerSecond;
        var chromaCores = chromaDirect.PerSecond * chromaCpu.ChromaMs / 1000;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| CPU bound of chat: {Environment.ProcessorCount} cores ÷ {chatCpu.TotalMs:F2} ms = {chatCpuBound:F0} req/s = {cpuBound:F3} × the Chroma ceiling "
            + $"(measured {chatVsChroma:F3}, cores busy {chatInstant.PerSecond * chatCpu.TotalMs / 1000:F2}); "
            + $"the ceiling kept Chroma's process at {chromaCores:F2} cores | – | – | – | – | – |"));

        simulator.Faults.Chat = new FaultSettings { FixedLatencyMs = fixedLatencyMs };
        var directFixed = Print(await Scenarios.RunAsync($"simulator direct, fixed {fixedLatencyMs} ms", requests / 4, concurrency, i => Scenarios.DirectSimulatorAsync(direct, i)));
        var chatFixed = Print(await Scenarios.RunAsync($"ChatService /api/chat, fixed {fixedLatencyMs} ms LLM", requests / 4, concurrency, i => Scenarios.ChatAsync(chat, i)));

        simulator.Faults.Chat = FaultSettings.None;
        var singleClient = await SingleClient.RunAsync(chat, direct, simulator, Math.Clamp(requests / 10, 20, 200));
        foreach (var row in singleClient.Rows())
        {
            Console.WriteLine(row);
        }

        simulator.Faults.Chat = new FaultSettings { Hang = true };
        using var hungChats = new CancellationTokenSource();
        var waiting = Enumerable.Range(0, 200).Select(i => Scenarios.ChatAsync(chat, i, hungChats.Token)).ToList();
        await simulator.WaitUntilAsync(s => s.InFlight >= 200, TimeSpan.FromSeconds(60));
        using var probe = factory.CreateClient();
        var readyUnderHang = Print(await Scenarios.RunAsync("/health/ready while 200 chats wait on a hung LLM", 500, 4, async _ =>
        {
            using var response = await probe.GetAsync("/health/ready");
            return response.IsSuccessStatusCode;
        }));
        await hungChats.CancelAsync();
        await Task.WhenAll(waiting.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        simulator.Faults.Chat = FaultSettings.None;

        if (jsonPath is not null)
        {
            var figures = Figures(directInstant, chromaDirect, chatInstant, directFixed, chatFixed, readyUnderHang, fixedLatencyMs, concurrency);
            figures.AddRange(SingleClientFigures(singleClient));
            figures.Add(new("chroma-query-cpu", chromaCpu.TotalMs, "ms",
                Notes: $"CPU per top-5 query of the Chroma ceiling, all processes: {chromaCpu}"));
            figures.Add(new("chat-instant-cpu", chatCpu.TotalMs, "ms",
                Notes: $"CPU per chat of chat-instant-llm, all processes (this process is ChatService, the simulator and the client): {chatCpu}"));
            figures.Add(new("chat-vs-chroma-cpu-bound", cpuBound, "ratio",
                Notes: string.Create(CultureInfo.InvariantCulture,
                    $"informational: the most chat ÷ Chroma direct can reach at this CPU per chat ({Environment.ProcessorCount} cores ÷ chat-instant-cpu "
                    + $"÷ chroma-query-direct); measured {chatVsChroma:F3}; the ceiling kept Chroma's process at {chromaCores:F2} cores")));
            figures.Add(new("chroma-query-as-turn", chromaAsTurn.PerSecond, "req/s",
                Notes: string.Create(CultureInfo.InvariantCulture,
                    $"informational: the query a chat turn sends (top-15, where owner), direct; {chromaAsTurn.PerSecond / chromaDirect.PerSecond:P0} of the top-5 ceiling"),
                P50Ms: chromaAsTurn.P50Ms, P99Ms: chromaAsTurn.P99Ms));
            var environment = new Dictionary<string, string>
            {
                ["cores"] = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture),
                ["requests"] = requests.ToString(CultureInfo.InvariantCulture),
                ["concurrency"] = concurrency.ToString(CultureInfo.InvariantCulture),
                ["fixedLatencyMs"] = fixedLatencyMs.ToString(CultureInfo.InvariantCulture),
            };
            using var writeBudget = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await new BenchResult("ChatBench", startedAt, figures, environment).WriteAsync(jsonPath, writeBudget.Token);
        }
    }

    private static ScenarioResult Print(ScenarioResult result)
    {
        Console.WriteLine(result.Row());
        return result;
    }

    /// <summary>Positional arguments (requests, concurrency, fixed latency) and the optional <c>--json FILE</c>.</summary>
    private static (List<string> Positional, string? JsonPath) ParseArguments(string[] args)
    {
        var positional = new List<string>();
        string? jsonPath = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--json")
            {
                jsonPath = i + 1 < args.Length ? args[++i] : throw new ArgumentException("--json needs a file path");
            }
            else
            {
                positional.Add(args[i]);
            }
        }

        return (positional, jsonPath);
    }

    private static List<Figure> Figures(ScenarioResult directInstant, ScenarioResult chromaDirect, ScenarioResult chatInstant,
        ScenarioResult directFixed, ScenarioResult chatFixed, ScenarioResult readyUnderHang, int fixedLatencyMs, int concurrency)
    {
        static double? Finite(double value) => double.IsFinite(value) ? value : null;
        static string Notes(ScenarioResult own, ScenarioResult ceiling) => string.Create(CultureInfo.InvariantCulture,
            $"{own.Count} requests, {own.Errors} errors; simulator direct this run {ceiling.PerSecond:N1} req/s → {own.PerSecond / ceiling.PerSecond:P1}");

        // The global ceiling name only matches when the fixed latency equals the one bench/Ceilings measured (50 ms);
        // the in-run ratio figures below hold in every case.
        var fixedCeiling = fixedLatencyMs == 50 ? "ollama-sim-direct-50ms" : null;
        return
        [
            new("chat-instant-llm", chatInstant.PerSecond, "req/s", "ollama-sim-direct", Notes(chatInstant, directInstant),
                Finite(chatInstant.P50Ms), Finite(chatInstant.P99Ms)),
            new("chat-instant-vs-sim-direct", chatInstant.PerSecond / directInstant.PerSecond, "ratio",
                Notes: string.Create(CultureInfo.InvariantCulture, $"ChatService /api/chat ÷ simulator direct, same run, c={concurrency}")),
            new("sim-direct-instant", directInstant.PerSecond, "req/s", "ollama-sim-direct", "ChatBench's own simulator-direct ceiling (stream=true)",
                Finite(directInstant.P50Ms), Finite(directInstant.P99Ms)),
            new($"chat-fixed-{fixedLatencyMs}ms-llm", chatFixed.PerSecond, "req/s", fixedCeiling, Notes(chatFixed, directFixed),
                Finite(chatFixed.P50Ms), Finite(chatFixed.P99Ms)),
            new($"chat-fixed-{fixedLatencyMs}ms-vs-sim-direct", chatFixed.PerSecond / directFixed.PerSecond, "ratio",
                Notes: string.Create(CultureInfo.InvariantCulture, $"ChatService /api/chat ÷ simulator direct, both with {fixedLatencyMs} ms LLM latency, c={concurrency}")),
            new($"sim-direct-fixed-{fixedLatencyMs}ms", directFixed.PerSecond, "req/s", fixedCeiling, "ChatBench's own simulator-direct ceiling",
                Finite(directFixed.P50Ms), Finite(directFixed.P99Ms)),
            new("chroma-query-direct", chromaDirect.PerSecond, "req/s", Notes: "Chroma top-5 query, direct",
                P50Ms: Finite(chromaDirect.P50Ms), P99Ms: Finite(chromaDirect.P99Ms)),
            new("health-ready-p99-hung-llm", readyUnderHang.P99Ms, "ms",
                Notes: string.Create(CultureInfo.InvariantCulture, $"/health/ready while 200 chats wait on a hung LLM: {readyUnderHang.Count} probes, {readyUnderHang.Errors} not ready, p95 {readyUnderHang.P95Ms:F1} ms"),
                P50Ms: Finite(readyUnderHang.P50Ms), P99Ms: Finite(readyUnderHang.P99Ms)),
        ];
    }

    /// <summary>The single-client (c=1) figures: the chat request's overhead over its two model calls, p50 and p95.</summary>
    private static List<Figure> SingleClientFigures(SingleClientResult single)
    {
        static double? Finite(double value) => double.IsFinite(value) ? value : null;
        var notes = string.Create(CultureInfo.InvariantCulture,
            $"c=1, instant LLM, {single.Rounds} rounds, {single.Errors} errors: /api/chat p50 {single.ChatP50Ms:F1} ms (p95 {single.ChatP95Ms:F1}) − "
            + $"the turn's embed + chat calls replayed at the simulator in the same round p50 {single.ModelCallsP50Ms:F1} ms "
            + $"(p95 {single.ModelCallsP95Ms:F1}); over two calls with the bare question (p50 {single.BareModelCallsP50Ms:F1} ms) "
            + $"the overhead p50 would read {single.OverheadBareP50Ms:F1} ms; "
            + $"goal p50 ≤ {SingleClientResult.OverheadGoalP50Ms:F0} ms; the turn's own timings: retrieval p50 {single.RetrievalP50Ms:F1} ms, "
            + $"turn total p50 {single.TurnP50Ms:F1} ms; stage spans p50: {single.Spans}");
        return
        [
            new("chat-c1-overhead-p50", single.OverheadP50Ms, "ms", Notes: notes, P50Ms: Finite(single.OverheadP50Ms)),
            new("chat-c1-overhead-p95", single.OverheadP95Ms, "ms", Notes: notes),
            new("chat-c1-latency", single.ChatP50Ms, "ms", Notes: "ChatService /api/chat at c=1, instant LLM (p50; p95 in notes of chat-c1-overhead-p50)",
                P50Ms: Finite(single.ChatP50Ms)),
            new("sim-direct-embed-and-chat-c1", single.ModelCallsP50Ms, "ms", Notes: "the turn's two model calls (its embedding input, its prompt) replayed straight at the simulator, c=1 (p50)",
                P50Ms: Finite(single.ModelCallsP50Ms)),
        ];
    }
}

internal sealed class BenchFactory(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }
}
