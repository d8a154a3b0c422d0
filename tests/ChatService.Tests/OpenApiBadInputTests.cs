using System.Text.Json;
using ChatService.Tests.Infrastructure;
using Testing;

namespace ChatService.Tests;

/// <summary>Every operation of the service's OpenAPI document × the bad-input corpus of <see cref="OpenApiBadInput"/>.</summary>
[Collection("dependencies")]
public sealed class OpenApiBadInputTests(DependenciesFixture deps, SharedSimulator simulator) : IAsyncLifetime
{
    private ChatApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma: null, simulator.Server,
            new Dictionary<string, string?>
            {
                ["Ingestion:MaxUploadBytes"] = "2048",
                // why: one user sends the whole corpus; with the rate limits on, most cases would stop at 429 before validation
                ["RateLimits:chat:Enabled"] = "false",
                ["RateLimits:uploads:Enabled"] = "false",
            });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Every_operation_answers_bad_input_with_a_4xx_problem_and_never_a_5xx()
    {
        using var client = _app.ClientFor(Users.New("hostile"), TimeSpan.FromSeconds(60));

        var failures = await OpenApiBadInput.RunAsync(client, oversizedBodyBytes: 2 * 1024 * 1024, CancellationToken.None);

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task The_document_describes_the_upload_body_and_the_error_responses()
    {
        using var anonymous = _app.AnonymousClient();
        using var document = JsonDocument.Parse(await anonymous.GetStringAsync("/openapi/v1.json"));
        var upload = document.RootElement.GetProperty("paths").GetProperty("/api/documents").GetProperty("post");

        var form = upload.GetProperty("requestBody").GetProperty("content").GetProperty("multipart/form-data").GetProperty("schema");
        Assert.Equal("binary", form.GetProperty("properties").GetProperty("file").GetProperty("format").GetString());
        Assert.True(form.GetProperty("properties").TryGetProperty("title", out _));
        foreach (var status in new[] { "400", "401", "403", "413", "415", "500", "503" })
        {
            var problem = upload.GetProperty("responses").GetProperty(status).GetProperty("content")
                .GetProperty("application/problem+json");
            Assert.Equal("code", problem.GetProperty("schema").GetProperty("required")[0].GetString());
        }

        var read = document.RootElement.GetProperty("paths").GetProperty("/api/documents/{id}").GetProperty("get").GetProperty("responses");
        Assert.True(read.TryGetProperty("404", out _));
        Assert.False(read.TryGetProperty("415", out _)); // no body, no content type to refuse
    }
}
