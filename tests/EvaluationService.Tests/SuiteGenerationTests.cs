using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EvaluationService.Apis;
using EvaluationService.Tests.Fakes;
using OllamaSimulator;
using Testing;

namespace EvaluationService.Tests;

/// <summary>
/// POST /api/suites/generate end to end in process: chunks come from the fake ChatService in ChatService's
/// <c>GET /api/documents/{id}/chunks</c> shape, the LLM is the Ollama simulator (through OllamaSharp), whose JSON mode
/// answers a question/answer/quote request with a verbatim sentence of the prompt.
/// </summary>
[Collection("dependencies")]
public sealed class SuiteGenerationTests(DependenciesFixture dependencies) : IAsyncLifetime
{
    private const string TurbineFact = "The Zephyr turbine produces forty megawatts at the Halden plant.";
    private const string BladeFact = "Its carbon fibre blades measure seventy metres from hub to tip.";
    private const string CipherFact = "The Quorvex protocol rotates its telemetry cipher keys every ninety seconds.";

    // Sentences under four words are never quoted by the simulator: it quotes the title line instead, which is not in the chunk.
    private const string UnquotableChunk = "Brief note. Nothing more.";

    private FakeChatService _chat = null!;
    private OllamaSimulatorServer _llm = null!;
    private EvaluationApp _app = null!;

    public async Task InitializeAsync()
    {
        _chat = await FakeChatService.StartAsync();
        _llm = await OllamaSimulatorServer.StartAsync();
        _app = EvaluationApp.Start(await EvaluationApp.CreateEnvironmentAsync(dependencies), _chat.BaseAddress,
            overrides: new Dictionary<string, string?>
        {
            ["ConnectionStrings:chat-model"] = $"Endpoint={_llm.BaseAddress.ToString().TrimEnd('/')};Model=llama3.2",
        });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _llm.DisposeAsync();
        await _chat.DisposeAsync();
    }

    [Fact]
    public async Task Generated_suite_has_cases_quoted_verbatim_from_the_owners_chunks_and_discards_unquoted_proposals()
    {
        _chat.MaxChunkPageSize = 2; // the client must follow nextCursor
        _chat.AddDocument("alice", "turbines", "Turbine notes", TurbineFact, UnquotableChunk, BladeFact);
        _chat.AddDocument("alice", "ciphers", "Protocol notes", CipherFact);
        _chat.AddDocument("bob", "bobs-doc", "Private notes", "Bob keeps his private notes in this document.");
        var client = _app.ClientFor("alice");

        var response = await client.PostAsJsonAsync("/api/suites/generate",
            new GenerateSuiteRequest(["turbines", "ciphers", "bobs-doc"], 10));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = (await response.Content.ReadFromJsonAsync<SuiteView>(JsonSerializerOptions.Web))!;
        var suite = await Eventually.UntilAsync(
            _ => client.GetFromJsonAsync<SuiteView>($"/api/suites/{accepted.Id}", JsonSerializerOptions.Web)!,
            s => s!.Status != "generating", TimeSpan.FromSeconds(60), "suite generation should end");

        Assert.True(suite!.Status == "ready", $"generation ended {suite.Status}: {suite.GenerationReport}");
        var cases = suite.Cases!;
        Assert.Equal(3, cases.Count);
        Assert.Equal([TurbineFact, CipherFact, BladeFact], cases.Select(c => c.ExpectedAnswer)); // round-robin over the documents
        Assert.All(cases, c => Assert.True(
            new[] { TurbineFact, BladeFact, CipherFact }.Any(chunk => chunk.Contains(c.ExpectedAnswer!, StringComparison.Ordinal)),
            $"'{c.ExpectedAnswer}' should be verbatim from a chunk"));
        Assert.Equal(["turbines", "ciphers", "turbines"], cases.Select(c => Assert.Single(c.ExpectedSources)));
        Assert.All(cases, c => Assert.EndsWith("?", c.Question, StringComparison.Ordinal));

        var report = suite.GenerationReport!.Value;
        Assert.Equal(4, report.GetProperty("chunks").GetInt32());
        Assert.Equal(4, report.GetProperty("proposed").GetInt32());
        Assert.Equal(3, report.GetProperty("accepted").GetInt32());
        Assert.Equal(1, report.GetProperty("discardedQuoteNotFound").GetInt32());
        Assert.Contains(report.GetProperty("errors").EnumerateArray(), e => e.GetString()!.Contains("bobs-doc", StringComparison.Ordinal));
        Assert.Contains(_chat.ChunkRequests, q => q.Contains("cursor=", StringComparison.Ordinal));
        Assert.True(_llm.ChatRequests >= 4);
    }

    [Fact]
    public async Task A_model_that_stalls_mid_answer_cannot_hold_generation_each_call_ends_at_its_timeout_and_closes_the_connection()
    {
        await using var app = EvaluationApp.Start(await EvaluationApp.CreateEnvironmentAsync(dependencies), _chat.BaseAddress,
            overrides: new Dictionary<string, string?>
            {
                ["ConnectionStrings:chat-model"] = $"Endpoint={_llm.BaseAddress.ToString().TrimEnd('/')};Model=llama3.2",
                ["Evaluation:Judge:Timeout"] = "00:00:02",
            });
        _chat.AddDocument("alice", "turbines", "Turbine notes", TurbineFact, BladeFact);
        _llm.Faults.Chat = new FaultSettings { StallAfterTokens = 0 };
        var client = app.ClientFor("alice");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var response = await client.PostAsJsonAsync("/api/suites/generate", new GenerateSuiteRequest(["turbines"], 2));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = (await response.Content.ReadFromJsonAsync<SuiteView>(JsonSerializerOptions.Web))!;
        var suite = await Eventually.UntilAsync(
            _ => client.GetFromJsonAsync<SuiteView>($"/api/suites/{accepted.Id}", JsonSerializerOptions.Web)!,
            s => s!.Status != "generating", TimeSpan.FromSeconds(60), "suite generation should end");

        // Two chunks, one call each, each cut at its 2 s timeout (without the watchdog each call waited for the server).
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(2 * 2 + 6));
        var errors = suite!.GenerationReport!.Value.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(2, errors.Count(e => e.Contains("LLM timed out", StringComparison.Ordinal)));
        await _llm.WaitUntilAsync(s => s.InFlight == 0 && s.CancelledRequests >= 2, TimeSpan.FromSeconds(3));
    }
}
