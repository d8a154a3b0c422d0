using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChatService.Data;
using ChatService.Rag;
using LocalEmbeddings;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDefaults.Auth;
using Testing;

namespace RetrievalBench;

/// <summary>
/// Retrieval quality over the committed corpus (corpus/, questions.json) for full text only, vectors only (in-process
/// all-MiniLM-L6-v2) and hybrid, through ChatService's ingestion and <see cref="HybridRetriever"/>; the relevance cut-off
/// on unanswerable and answerable questions; embeddings/s of the product's generator beside a single-thread ONNX ceiling.
/// </summary>
internal static partial class BenchProgram
{
    private const string SigningKey = "retrieval-bench-signing-key-0123456789abcdef";
    private const string Owner = "bench-user";
    private const int Ranked = 10;

    public static async Task Main(string[] args)
    {
        // Usage: dotnet run -c Release --project bench/RetrievalBench [-- --chunk-tokens 100] [--json FILE]
        var jsonPath = Option(args, "--json");
        var chunkTokens = int.Parse(Option(args, "--chunk-tokens") ?? "100", CultureInfo.InvariantCulture);
        var startedAt = DateTimeOffset.UtcNow;
        // One budget for the whole run (a full run takes a few minutes on two cores); Ctrl+C ends it too.
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(30));
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            budget.Cancel();
        };
        var root = AppContext.BaseDirectory;
        var questions = JsonSerializer.Deserialize<List<Question>>(await File.ReadAllTextAsync(Path.Combine(root, "questions.json")),
            JsonSerializerOptions.Web)!;
        var files = Directory.GetFiles(Path.Combine(root, "corpus")).Order(StringComparer.Ordinal).ToList();

        await using var postgres = new PostgresServer();
        await using var redis = new RedisServer();
        await using var chroma = new ChromaServer();
        await Task.WhenAll(postgres.StartAsync(budget.Token), redis.StartAsync(budget.Token),
            chroma.StartAsync(budget.Token));
        var database = await postgres.CreateDatabaseAsync("retrievalbench", budget.Token);

        await using var factory = new BenchFactory(new Dictionary<string, string?>
        {
            ["ConnectionStrings:chatdb"] = postgres.ConnectionStringFor(database),
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["services:chroma:http:0"] = chroma.Endpoint,
            ["Auth:SigningKey"] = SigningKey,
            ["Logging:PlainConsole"] = "true",
            ["Logging:LogLevel:Default"] = "Error",
            ["Embeddings:Provider"] = "Embedded",
            ["Ingestion:ChunkTokens"] = chunkTokens.ToString(CultureInfo.InvariantCulture),
            ["Ingestion:ChunkOverlapTokens"] = "20",
        });
        factory.UseKestrel(0);
        factory.StartServer();
        using var http = factory.CreateClient();
        http.Timeout = TimeSpan.FromSeconds(120);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            DevTokenIssuer.Mint(SigningKey, Owner, false, "aspire-chat-dev", ServiceAudiences.Chat, TimeSpan.FromHours(2)));

        var ingest = Stopwatch.StartNew();
        var documents = new Dictionary<Guid, string>();
        foreach (var file in files)
        {
            using var form = new MultipartFormDataContent
            {
                { new ByteArrayContent(await File.ReadAllBytesAsync(file)), "file", Path.GetFileName(file) },
            };
            using var response = await http.PostAsync("/api/documents", form);
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            documents[body.GetProperty("id").GetGuid()] = Path.GetFileName(file);
        }

        await Eventually.UntilAsync(async ct =>
        {
            var page = await http.GetFromJsonAsync<JsonElement>("/api/documents?limit=100", ct);
            return page.GetProperty("items").EnumerateArray().All(d => d.GetProperty("status").GetString() is "ready" or "failed");
        }, TimeSpan.FromMinutes(5), "corpus indexed (ready)");
        ingest.Stop();

        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        var chunks = await db.Chunks.AsNoTracking().Select(c => new { c.Id, c.DocumentId, c.Text, c.Heading }).ToListAsync();
        var chunkText = chunks.ToDictionary(c => c.Id, c => Flat(c.Text));
        var languages = await db.Documents.AsNoTracking().Select(d => new { d.Title, d.Language }).ToListAsync();
        var retriever = scope.ServiceProvider.GetRequiredService<HybridRetriever>();

        Console.WriteLine($"RetrievalBench: {files.Count} documents, {chunks.Count} chunks ({chunkTokens} tokens), "
                          + $"{questions.Count} questions, ingestion {ingest.Elapsed.TotalSeconds:0.0} s, {Environment.ProcessorCount} cores");
        Console.WriteLine("languages: " + string.Join(", ", languages.Select(l => $"{l.Title}={l.Language}")));
        Console.WriteLine();
        Console.WriteLine("| mode | questions | hit@1 | hit@5 | MRR@10 | exact hit@5 | paraphrase hit@5 |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        var figures = new List<Figure>();
        var answerable = questions.Where(q => q.Kind != "none").ToList();
        foreach (var mode in new[] { RetrievalMode.FullText, RetrievalMode.Vector, RetrievalMode.Hybrid })
        {
            var ranks = new List<(Question Question, int? Rank)>();
            foreach (var question in answerable)
            {
                var ranked = await retriever.RankAsync(Owner, question.Text, Ranked, mode, budget.Token);
                var passage = Flat(question.Passage!);
                var rank = ranked.Select((id, i) => (id, i))
                    .FirstOrDefault(x => chunkText.TryGetValue(x.id, out var t) && t.Contains(passage, StringComparison.Ordinal), (null!, -1)).i;
                ranks.Add((question, rank < 0 ? null : rank + 1));
            }

            double Hit(IEnumerable<(Question Question, int? Rank)> set, int k) =>
                set.Count() == 0 ? double.NaN : (double)set.Count(r => r.Rank <= k) / set.Count();
            var hit1 = Hit(ranks, 1);
            var hit5 = Hit(ranks, 5);
            var mrr = ranks.Average(r => r.Rank is { } n ? 1.0 / n : 0);
            var name = mode switch { RetrievalMode.FullText => "full-text", RetrievalMode.Vector => "vector", _ => "hybrid" };
            Console.WriteLine($"| {name} | {ranks.Count} | {hit1:0.000} | {hit5:0.000} | {mrr:0.000} | "
                              + $"{Hit(ranks.Where(r => r.Question.Kind == "exact"), 5):0.000} | {Hit(ranks.Where(r => r.Question.Kind == "paraphrase"), 5):0.000} |");
            figures.Add(new Figure($"retrieval-{name}-hit@1", hit1, "ratio", Notes: $"{ranks.Count} answerable questions"));
            figures.Add(new Figure($"retrieval-{name}-hit@5", hit5, "ratio", Notes: $"{ranks.Count} answerable questions"));
            figures.Add(new Figure($"retrieval-{name}-mrr", mrr, "ratio", Notes: "mean reciprocal rank within the top 10"));
            foreach (var miss in ranks.Where(r => r.Rank is null or > 5))
            {
                Console.WriteLine($"  {name} miss@5: {miss.Question.Text} (rank {miss.Rank?.ToString(CultureInfo.InvariantCulture) ?? "-"})");
            }
        }

        // The relevance cut-off as the chat uses it: unanswerable questions should get no passage, answerable ones theirs.
        var abstained = 0;
        foreach (var question in questions.Where(q => q.Kind == "none"))
        {
            var result = await retriever.RetrieveAsync(Owner, question.Text, 5, null, null, budget.Token);
            abstained += result.Passages.Count == 0 ? 1 : 0;
            if (result.Passages.Count > 0)
            {
                Console.WriteLine($"  cut-off kept {result.Passages.Count} for unanswerable: {question.Text} "
                                  + $"(best similarity {result.Passages.Max(p => p.Similarity ?? 0):0.00})");
            }
        }

        var kept = 0;
        foreach (var question in answerable)
        {
            var result = await retriever.RetrieveAsync(Owner, question.Text, 5, null, null, budget.Token);
            var found = result.Passages.Any(p => Flat(p.Text).Contains(Flat(question.Passage!), StringComparison.Ordinal));
            kept += found ? 1 : 0;
            if (!found)
            {
                Console.WriteLine($"  cut-off or rank lost the passage of: {question.Text} ({result.Passages.Count} kept)");
            }
        }

        // Where the cut-off could sit: the question's similarity to its own passage vs an unanswerable question's best one.
        var chunkIds = chunks.Select(c => c.Id).ToList();
        var chunkVectors = MiniLmModel.Shared().Encode(chunks.Select(c => c.Heading is null ? c.Text : $"{c.Heading}\n{c.Text}").ToArray(),
            budget.Token);
        double Best(string question, Func<int, bool> which)
        {
            var q = MiniLmModel.Shared().Encode([question], budget.Token)[0];
            return Enumerable.Range(0, chunkIds.Count).Where(which).Select(i => MiniLmModel.Cosine(q, chunkVectors[i])).DefaultIfEmpty(0).Max();
        }

        var own = answerable.Select(q => (q, s: Best(q.Text, i => chunkText[chunkIds[i]].Contains(Flat(q.Passage!), StringComparison.Ordinal))))
            .OrderBy(x => x.s).ToList();
        var stray = questions.Where(q => q.Kind == "none").Select(q => (q, s: Best(q.Text, _ => true))).OrderByDescending(x => x.s).ToList();
        Console.WriteLine("similarity to its own passage (answerable, lowest 5): "
                          + string.Join("; ", own.Take(5).Select(x => $"{x.s:0.00} {x.q.Text}")));
        Console.WriteLine("best similarity of unanswerable questions: " + string.Join("; ", stray.Select(x => $"{x.s:0.00} {x.q.Text}")));
        var unanswerable = questions.Count(q => q.Kind == "none");
        Console.WriteLine();
        Console.WriteLine($"relevance cut-off: {abstained}/{unanswerable} unanswerable questions get no passage; "
                          + $"{kept}/{answerable.Count} answerable questions keep their passage in the top 5");
        figures.Add(new Figure("cutoff-unanswerable-abstained", (double)abstained / unanswerable, "ratio", Notes: $"{unanswerable} questions"));
        figures.Add(new Figure("cutoff-answerable-kept@5", (double)kept / answerable.Count, "ratio", Notes: $"{answerable.Count} questions"));

        // Embeddings/s: the product's generator (one turn, batches of 16) beside ONNX alone on one thread, same texts.
        var texts = chunks.Select(c => c.Heading is null ? c.Text : $"{c.Heading}\n{c.Text}").ToArray();
        var rounds = Math.Max(1, 400 / Math.Max(1, texts.Length));
        var model = MiniLmModel.Shared();
        model.Encode(texts.Take(4).ToArray(), budget.Token);
        using var generator = new MiniLmEmbeddingGenerator(new LocalEmbeddingOptions());
        await generator.GenerateAsync(texts.Take(4).ToList());
        // why: alternate the two in rounds so that load from other processes on the shared cores falls on both alike
        var ceiling = new Stopwatch();
        var product = new Stopwatch();
        for (var r = 0; r < rounds; r++)
        {
            ceiling.Start();
            foreach (var batch in texts.Chunk(16))
            {
                model.Encode(batch, budget.Token);
            }

            ceiling.Stop();
            product.Start();
            await generator.GenerateAsync(texts);
            product.Stop();
        }

        var n = rounds * texts.Length;
        var ceilingRate = n / ceiling.Elapsed.TotalSeconds;
        var productRate = n / product.Elapsed.TotalSeconds;
        var averageTokens = chunks.Average(c => ChatService.Ingestion.TokenEstimate.Of(c.Text));
        Console.WriteLine($"embeddings: generator {productRate:0.0}/s, single-thread ONNX ceiling {ceilingRate:0.0}/s "
                          + $"({productRate / ceilingRate:P0}); {n} chunk texts of ~{averageTokens:0} tokens; model load {model.LoadTime.TotalSeconds:0.0} s");
        figures.Add(new Figure("embeddings-generator", productRate, "texts/s", Notes: $"chunks of ~{averageTokens:0} tokens, 1 turn, batch 16"));
        figures.Add(new Figure("embeddings-onnx-1-thread-ceiling", ceilingRate, "texts/s", Notes: "SentenceEncoder.Encode on one thread, same texts"));
        figures.Add(new Figure("embeddings-efficiency", productRate / ceilingRate, "ratio", Notes: "generator ÷ ONNX ceiling"));

        if (jsonPath is not null)
        {
            await new BenchResult("RetrievalBench", startedAt, figures, new Dictionary<string, string>
            {
                ["documents"] = files.Count.ToString(CultureInfo.InvariantCulture),
                ["chunks"] = chunks.Count.ToString(CultureInfo.InvariantCulture),
                ["chunkTokens"] = chunkTokens.ToString(CultureInfo.InvariantCulture),
                ["questions"] = questions.Count.ToString(CultureInfo.InvariantCulture),
                ["embeddingModel"] = MiniLmModel.ModelName,
                ["cores"] = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture),
            }).WriteAsync(jsonPath, budget.Token);
        }
    }

    private static string Flat(string text) => Whitespace().Replace(text, " ").Trim();

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

internal sealed record Question(
    string Kind,
    [property: System.Text.Json.Serialization.JsonPropertyName("question")] string Text,
    string? Source,
    string? Passage);

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
