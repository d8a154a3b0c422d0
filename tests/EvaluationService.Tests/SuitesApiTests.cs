using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EvaluationService.Apis;
using EvaluationService.Tests.Fakes;
using ServiceDefaults.Paging;
using Testing;

namespace EvaluationService.Tests;

[Collection("dependencies")]
public sealed class SuitesApiTests(DependenciesFixture dependencies) : IAsyncLifetime
{
    private FakeChatService _chat = null!;
    private EvaluationApp _app = null!;

    public async Task InitializeAsync()
    {
        _chat = await FakeChatService.StartAsync();
        _app = EvaluationApp.Start(await EvaluationApp.CreateEnvironmentAsync(dependencies), _chat.BaseAddress);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _chat.DisposeAsync();
    }

    [Fact]
    public async Task Suite_created_from_json_is_listed_read_and_deleted()
    {
        var client = _app.ClientFor("alice");
        var suite = await client.CreateSuiteAsync("basics", new CaseInput("q1", "a1", ["k"], ["doc-1"], ["t"]), new CaseInput("q2"));

        var read = await client.GetFromJsonAsync<SuiteView>($"/api/suites/{suite.Id}", JsonSerializerOptions.Web);
        Assert.Equal(["q1", "q2"], read!.Cases!.Select(c => c.Question));
        var list = await client.GetFromJsonAsync<Page<SuiteView>>("/api/suites", JsonSerializerOptions.Web);
        Assert.Contains(list!.Items, s => s.Id == suite.Id && s.CaseCount == 2);
        Assert.Equal(HttpStatusCode.NotFound, (await _app.ClientFor("bob").GetAsync($"/api/suites/{suite.Id}")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/suites/{suite.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/suites/{suite.Id}")).StatusCode);
    }

    [Fact]
    public async Task Suites_list_pages_with_a_cursor()
    {
        var client = _app.ClientFor("pager");
        for (var i = 0; i < 3; i++)
        {
            await client.CreateSuiteAsync($"s{i}", new CaseInput("q"));
        }

        var first = await client.GetFromJsonAsync<Page<SuiteView>>("/api/suites?limit=2", JsonSerializerOptions.Web);
        var second = await client.GetFromJsonAsync<Page<SuiteView>>($"/api/suites?limit=2&cursor={first!.NextCursor}",
            JsonSerializerOptions.Web);

        Assert.Equal(["s2", "s1"], first.Items.Select(s => s.Name));
        Assert.Equal(["s0"], second!.Items.Select(s => s.Name));
        Assert.Null(second.NextCursor);
    }

    [Fact]
    public async Task Json_lines_import_creates_a_suite()
    {
        var client = _app.ClientFor("alice");
        var body = new StringContent("{\"question\":\"q1\",\"expectedKeywords\":[\"a\"]}\n\n{\"question\":\"q2\",\"tags\":[\"x\"]}\n",
            Encoding.UTF8, "application/x-ndjson");

        var response = await client.PostAsync("/api/suites/import?name=imported", body);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var suite = await response.Content.ReadFromJsonAsync<SuiteView>(JsonSerializerOptions.Web);
        Assert.Equal(2, suite!.CaseCount);
        Assert.Equal("imported", suite.Name);
    }

    [Fact]
    public async Task Malformed_json_lines_import_is_rejected_naming_the_line()
    {
        var client = _app.ClientFor("alice");
        var body = new StringContent("{\"question\":\"q1\"}\n{\"question\":\"q2\"}\n{\"question\": oops}\n", Encoding.UTF8,
            "application/x-ndjson");

        var response = await client.PostAsync("/api/suites/import", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("MALFORMED_IMPORT", problem.RootElement.GetProperty("code").GetString());
        Assert.Equal(3, problem.RootElement.GetProperty("line").GetInt32());
        Assert.StartsWith("line 3:", problem.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Csv_upload_as_form_file_creates_a_suite_and_a_missing_question_names_its_line()
    {
        var client = _app.ClientFor("alice");
        using var good = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes("question,expectedAnswer,tags\nq1,a1,t1|t2\nq2,a2,\n"));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        good.Add(file, "file", "cases.csv");
        var created = await client.PostAsync("/api/suites/import", good);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("cases", (await created.Content.ReadFromJsonAsync<SuiteView>(JsonSerializerOptions.Web))!.Name);

        var bad = new StringContent("question,expectedAnswer\nq1,a1\n,a2\n", Encoding.UTF8, "text/csv");
        var rejected = await client.PostAsync("/api/suites/import", bad);
        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        Assert.Contains("line 3", await rejected.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Empty_suite_and_bad_run_options_are_rejected()
    {
        var client = _app.ClientFor("alice");
        var empty = await client.PostAsJsonAsync("/api/suites", new CreateSuiteRequest("empty", null, []));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("EMPTY_SUITE", await empty.Content.ReadAsStringAsync());

        var suite = await client.CreateSuiteAsync("s", new CaseInput("q"));
        foreach (var bad in new[]
                 {
                     new CreateEvaluationRequest(suite.Id, Parallelism: 0), new CreateEvaluationRequest(suite.Id, Parallelism: 1000),
                     new CreateEvaluationRequest(suite.Id, CaseTimeoutSeconds: 100_000),
                     new CreateEvaluationRequest(suite.Id, RunTimeoutSeconds: 0), new CreateEvaluationRequest(suite.Id, Repetitions: 1000),
                 })
        {
            var response = await client.PostAsJsonAsync("/api/evaluations", bad);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync("/api/evaluations",
            new CreateEvaluationRequest(Guid.NewGuid()))).StatusCode);
    }

    public static TheoryData<string, string, string> RefusedSuiteBodies => new()
    {
        { "/api/suites", $$"""{"name":"n","description":"{{new string('d', 2_001)}}","cases":[{"question":"q"}]}""", "description" },
        { "/api/suites", """{"name":"n\u0000","cases":[{"question":"q"}]}""", "NUL" },
        { "/api/suites", """{"name":"n","cases":[{"question":"q\ud800"}]}""", "surrogate" },
        { "/api/suites", """{"name":"n","cases":[{"question":"q","tags":["\u0000"]}]}""", "NUL" },
        { "/api/suites/generate", $$"""{"documentIds":["d"],"name":"{{new string('n', 201)}}"}""", "name" },
        { "/api/suites/generate", $$"""{"documentIds":["d"],"description":"{{new string('d', 2_001)}}"}""", "description" },
    };

    [Theory]
    [MemberData(nameof(RefusedSuiteBodies))]
    public async Task Overlong_and_unstorable_text_is_400_not_a_database_outage(string path, string body, string reason)
    {
        var response = await _app.ClientFor("alice").PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("VALIDATION_FAILED", problem.RootElement.GetProperty("code").GetString());
        Assert.Contains(reason, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("application/x-ndjson", "{\"question\":\"q\u0000\"}\n")]
    [InlineData("text/csv", "question\nq\u0000x\n")]
    public async Task An_import_with_a_nul_character_is_400_naming_the_line(string contentType, string body)
    {
        var response = await _app.ClientFor("alice").PostAsync("/api/suites/import", new StringContent(body, Encoding.UTF8, contentType));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("MALFORMED_IMPORT", problem.RootElement.GetProperty("code").GetString());
        Assert.Equal(2 - (contentType == "text/csv" ? 0 : 1), problem.RootElement.GetProperty("line").GetInt32());
    }

    [Theory]
    [InlineData("multipart/form-data", "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jsonl\"\r\n\r\n{}\r\n--x--\r\n")]
    [InlineData("multipart/form-data; boundary=x",
        "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jsonl\"\r\n\r\n{\"quest")]
    [InlineData("multipart/form-data; boundary=x", "--x\r\nnot a header line\r\n\r\n{}\r\n--x--\r\n")]
    public async Task A_malformed_multipart_import_is_400(string contentType, string body)
    {
        using var content = new ByteArrayContent(Encoding.ASCII.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        var response = await _app.ClientFor("alice").PostAsync("/api/suites/import", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("VALIDATION_FAILED", problem.RootElement.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("/api/suites?limit=0", "VALIDATION_FAILED")]
    [InlineData("/api/suites?limit=-1", "VALIDATION_FAILED")]
    [InlineData("/api/suites?limit=1000000", "VALIDATION_FAILED")]
    [InlineData("/api/suites?cursor=garbage", "INVALID_CURSOR")]
    [InlineData("/api/evaluations?limit=201", "VALIDATION_FAILED")]
    [InlineData("/api/evaluations?cursor=12_nothex", "INVALID_CURSOR")]
    public async Task Out_of_range_limits_and_foreign_cursors_are_400(string path, string code)
    {
        var response = await _app.ClientFor("alice").GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(code, problem.RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Requests_without_a_token_are_refused()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.CreateClient().GetAsync("/api/suites")).StatusCode);
    }

    [Fact]
    public async Task Suite_generation_without_a_configured_llm_answers_503()
    {
        var response = await _app.ClientFor("alice").PostAsJsonAsync("/api/suites/generate", new GenerateSuiteRequest(["doc-1"], 3));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("LLM_NOT_CONFIGURED", await response.Content.ReadAsStringAsync());
    }
}
