using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ChatService.Tests.Infrastructure;
using Testing;

namespace ChatService.Tests;

[Collection("dependencies")]
public sealed class BadInputTests(DependenciesFixture deps, SharedSimulator simulator) : IAsyncLifetime
{
    private ChatApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await ChatApp.StartAsync(deps.Postgres, deps.Redis.ConnectionString, chroma: null, simulator.Server,
            new Dictionary<string, string?>
            {
                ["Ingestion:MaxUploadBytes"] = "2048", ["Retrieval:MaxMessageChars"] = "100",
                ["RateLimits:chat:Enabled"] = "false", ["RateLimits:uploads:Enabled"] = "false",
            });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    public static TheoryData<string, HttpStatusCode, string> BadChats => new()
    {
        { """{"message":""}""", HttpStatusCode.BadRequest, "EMPTY_MESSAGE" },
        { """{"message":"   "}""", HttpStatusCode.BadRequest, "EMPTY_MESSAGE" },
        { $$"""{"message":"{{new string('x', 101)}}"}""", HttpStatusCode.BadRequest, "MESSAGE_TOO_LONG" },
        { """{"message":"hi","topK":0}""", HttpStatusCode.BadRequest, "TOPK_OUT_OF_RANGE" },
        { """{"message":"hello\u0000 world"}""", HttpStatusCode.BadRequest, "VALIDATION_FAILED" },
        { """{"message":"hello\ud800 world"}""", HttpStatusCode.BadRequest, "VALIDATION_FAILED" },
        { """{"message":"hi","documentIds":["\u0000"]}""", HttpStatusCode.BadRequest, "VALIDATION_FAILED" },
        { """{"message":"hi","topK":1000}""", HttpStatusCode.BadRequest, "TOPK_OUT_OF_RANGE" },
        { $$"""{"message":"hi","sessionId":"{{Guid.NewGuid()}}"}""", HttpStatusCode.NotFound, "SESSION_NOT_FOUND" },
        { $$"""{"message":"hi","documentIds":["{{Guid.NewGuid()}}"]}""", HttpStatusCode.NotFound, "DOCUMENT_NOT_FOUND" },
    };

    [Theory]
    [MemberData(nameof(BadChats))]
    public async Task Bad_chat_requests_get_a_problem_with_a_stable_code(string body, HttpStatusCode status, string code)
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        using var response = await alice.Http.PostAsync("/api/chat", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(status, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.True(problem.TryGetProperty("traceId", out _));
    }

    [Fact]
    public async Task Put_on_the_chat_route_is_405_method_not_allowed()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        using var response = await alice.Http.PutAsync("/api/chat",
            new StringContent("""{"message":"hi"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("METHOD_NOT_ALLOWED", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_session_title_longer_than_its_column_is_400_naming_the_field()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        using var response = await alice.Http.PostAsync("/api/sessions",
            new StringContent($$"""{"title":"{{new string('t', 301)}}"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("VALIDATION_FAILED", problem.GetProperty("code").GetString());
        Assert.Contains("title", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_text_file_with_a_nul_byte_is_refused_instead_of_a_document_stuck_processing()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        using var response = await alice.UploadAsync("binary.txt", [(byte)'a', 0, (byte)'b']);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("CONTENT_MISMATCH", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        var list = await alice.Http.GetFromJsonAsync<JsonElement>("/api/documents");
        Assert.Equal(0, list.GetProperty("items").GetArrayLength());
    }

    [Theory]
    [InlineData("multipart/form-data", "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nabc\r\n--x--\r\n")]
    [InlineData("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nab")]
    [InlineData("multipart/form-data; boundary=x", "--x\r\nnot a header line\r\n\r\nabc\r\n--x--\r\n")]
    public async Task A_malformed_multipart_upload_is_400(string contentType, string body)
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        using var content = new ByteArrayContent(Encoding.ASCII.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var response = await alice.Http.PostAsync("/api/documents", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("VALIDATION_FAILED", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Unsupported_file_type_is_415()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        using var response = await alice.UploadAsync("image.png", [1, 2, 3]);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("UNSUPPORTED_FILE_TYPE", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Oversized_upload_is_413()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        using var response = await alice.UploadAsync("big.txt", Encoding.UTF8.GetBytes(new string('a', 4096)));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var code = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString();
        Assert.Contains(code, new[] { "FILE_TOO_LARGE", "PAYLOAD_TOO_LARGE" });
    }

    [Fact]
    public async Task Malformed_pdf_ends_failed_with_a_reason_and_the_worker_keeps_working()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        using var response = await alice.UploadAsync("broken.pdf", Encoding.ASCII.GetBytes("%PDF-1.7 this is not really a pdf"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var failed = await alice.WaitForDocumentStatusAsync(id, "failed", TimeSpan.FromSeconds(30));
        Assert.Contains("PDF", failed.GetProperty("error").GetString(), StringComparison.Ordinal);

        var next = await alice.UploadTextAsync("after.txt", SampleDocuments.Bread);
        await alice.WaitForDocumentStatusAsync(next, "pending_index", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Requests_without_a_token_are_401()
    {
        using var anonymous = _app.AnonymousClient();
        using var response = await anonymous.PostAsJsonAsync("/api/chat", new { message = "hi" });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Bad_paging_cursor_is_400()
    {
        using var alice = new ChatApiClient(_app.ClientFor(Users.New("alice")));
        using var response = await alice.Http.GetAsync("/api/documents?cursor=%%%");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var limit = await alice.Http.GetAsync("/api/sessions?limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, limit.StatusCode);
    }
}
