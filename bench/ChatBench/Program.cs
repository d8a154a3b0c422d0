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
    public static async Task Main(string[] args)
    {
        // Usage: dotnet run -c Release --project bench/ChatBench [-- requests concurrency fixedLatencyMs]
        var requests = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1000;
        var concurrency = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 32;
        var fixedLatencyMs = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 200;
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
            DevTokenIssuer.Mint(signingKey, "bench-user", false, "aspire-chat-dev", "aspire-chat", TimeSpan.FromHours(2)));

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
        Console.WriteLine(await Scenarios.RunAsync("simulator /api/chat direct (ceiling)", requests, concurrency, i => Scenarios.DirectSimulatorAsync(direct, i)));
        Console.WriteLine(await Scenarios.RunAsync("chroma query top-5 direct (ceiling)", requests, concurrency, _ => Scenarios.ChromaQueryAsync(chromaHttp)));
        Console.WriteLine(await Scenarios.RunAsync("ChatService /api/chat, instant LLM", requests, concurrency, i => Scenarios.ChatAsync(chat, i)));

        simulator.Faults.Chat = new FaultSettings { FixedLatencyMs = fixedLatencyMs };
        Console.WriteLine(await Scenarios.RunAsync($"simulator direct, fixed {fixedLatencyMs} ms", requests / 4, concurrency, i => Scenarios.DirectSimulatorAsync(direct, i)));
        Console.WriteLine(await Scenarios.RunAsync($"ChatService /api/chat, fixed {fixedLatencyMs} ms LLM", requests / 4, concurrency, i => Scenarios.ChatAsync(chat, i)));

        simulator.Faults.Chat = new FaultSettings { Hang = true };
        using var hungChats = new CancellationTokenSource();
        var waiting = Enumerable.Range(0, 200).Select(i => Scenarios.ChatAsync(chat, i, hungChats.Token)).ToList();
        await simulator.WaitUntilAsync(s => s.InFlight >= 200, TimeSpan.FromSeconds(60));
        using var probe = factory.CreateClient();
        Console.WriteLine(await Scenarios.RunAsync("/health/ready while 200 chats wait on a hung LLM", 500, 4, async _ =>
        {
            using var response = await probe.GetAsync("/health/ready");
            return response.IsSuccessStatusCode;
        }));
        await hungChats.CancelAsync();
        await Task.WhenAll(waiting.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        simulator.Faults.Chat = FaultSettings.None;
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
