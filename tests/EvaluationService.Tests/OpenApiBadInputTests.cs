using System.Text.Json;
using EvaluationService.Tests.Fakes;
using Testing;

namespace EvaluationService.Tests;

/// <summary>Every operation of the service's OpenAPI document × the bad-input corpus of <see cref="OpenApiBadInput"/>.</summary>
[Collection("dependencies")]
public sealed class OpenApiBadInputTests(DependenciesFixture dependencies) : IAsyncLifetime
{
    private FakeChatService _chat = null!;
    private EvaluationApp _app = null!;

    public async Task InitializeAsync()
    {
        _chat = await FakeChatService.StartAsync();
        // An LLM is configured (nothing listens there): suite generation is accepted as a job instead of answering
        // 503 LLM_NOT_CONFIGURED, so its bad input reaches validation.
        _app = EvaluationApp.Start(await EvaluationApp.CreateEnvironmentAsync(dependencies), _chat.BaseAddress,
            overrides: new Dictionary<string, string?>
            {
                ["ConnectionStrings:chat-model"] = "Endpoint=http://127.0.0.1:9;Model=none",
                // why: one user sends the whole corpus; with the rate limits on, most cases would stop at 429 before validation
                ["RateLimits:suites:Enabled"] = "false",
                ["RateLimits:runs:Enabled"] = "false",
            });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _chat.DisposeAsync();
    }

    [Fact]
    public async Task Every_operation_answers_bad_input_with_a_4xx_problem_and_never_a_5xx()
    {
        var failures = await OpenApiBadInput.RunAsync(_app.ClientFor("hostile"), oversizedBodyBytes: 2 * 1024 * 1024,
            CancellationToken.None);

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task The_document_describes_the_import_body_in_each_accepted_form()
    {
        using var document = JsonDocument.Parse(await _app.CreateClient().GetStringAsync("/openapi/v1.json"));
        var import = document.RootElement.GetProperty("paths").GetProperty("/api/suites/import").GetProperty("post");
        var content = import.GetProperty("requestBody").GetProperty("content");

        Assert.Equal("binary", content.GetProperty("multipart/form-data").GetProperty("schema").GetProperty("properties")
            .GetProperty("file").GetProperty("format").GetString());
        Assert.True(content.TryGetProperty("application/x-ndjson", out _));
        Assert.True(content.TryGetProperty("text/csv", out _));
        Assert.True(import.GetProperty("responses").GetProperty("400").GetProperty("content").TryGetProperty("application/problem+json",
            out _));
    }
}
