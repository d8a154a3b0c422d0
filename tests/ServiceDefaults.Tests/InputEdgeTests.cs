using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace ServiceDefaults.Tests;

/// <summary>Errors that name the real fault: input the database refuses, text refused at the JSON edge, malformed requests.</summary>
public sealed class InputEdgeTests
{
    public sealed record Body([MaxLength(5)] string? Name, JsonElement? Payload, IReadOnlyList<string>? Tags,
        [property: MaxLength(3)] string? Code = null);

    private static void Map(WebApplication app)
    {
        app.MapGet("/api/db/{state}", string (string state) =>
            throw new InvalidOperationException("wrapped", new PostgresException("refused", "ERROR", "ERROR", state)));
        app.MapPost("/api/body", (Body body) => TypedResults.Ok(new { body.Name, tags = body.Tags?.Count ?? 0 }));
        app.MapGet("/api/only-get", () => "ok");
        app.MapPost("/api/form", async (HttpRequest request, CancellationToken ct) =>
        {
            var form = await request.ReadFormAsync(ct);
            return TypedResults.Ok(form.Files.Count);
        }).DisableAntiforgery();
    }

    private static async Task<JsonElement> ProblemOf(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    [Theory]
    [InlineData("22021", 400, "INVALID_TEXT")]
    [InlineData("22P05", 400, "INVALID_TEXT")]
    [InlineData("22P02", 400, "INVALID_TEXT")]
    [InlineData("22001", 400, "VALUE_TOO_LONG")]
    [InlineData("23505", 409, "CONSTRAINT_VIOLATION")]
    [InlineData("23503", 409, "CONSTRAINT_VIOLATION")]
    [InlineData("23502", 409, "CONSTRAINT_VIOLATION")]
    [InlineData("53300", 503, "DEPENDENCY_UNAVAILABLE")] // too many connections: transient
    [InlineData("57P01", 503, "DEPENDENCY_UNAVAILABLE")] // admin shutdown: transient
    [InlineData("42P01", 500, "INTERNAL_ERROR")] // undefined table: a defect, not an outage
    public async Task A_database_error_is_answered_by_what_it_means(string sqlState, int status, string code)
    {
        await using var app = await TestApp.StartAsync(map: Map);

        var response = await app.Client.SendAsync(app.Request(HttpMethod.Get, $"/api/db/{sqlState}"));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(code, (await ProblemOf(response)).GetProperty("code").GetString());
        Assert.Equal(status == 503, response.Headers.RetryAfter is not null);
    }

    public static TheoryData<string, string> RefusedBodies => new()
    {
        { """{"name":"a\u0000b"}""", "NUL" },
        { """{"name":"a\ud800b"}""", "surrogate" },
        { """{"name":"a\udc00"}""", "surrogate" },
        { """{"name":"abcdef"}""", "longer than 5" },
        { """{"code":"abcd"}""", "longer than 3" },
        { """{"tags":["ok","x\u0000"]}""", "NUL" },
        { """{"payload":{"deep":[{"text":"hello\u0000 world"}]}}""", "NUL" },
        { """{"payload":{"k\u0000":1}}""", "NUL" },
        { """{"payload":["\ud83d"]}""", "surrogate" },
        { """{"name":12}""", "string" },
        { """{"name":"abc""", "not valid" },
        { """{"payload":""" + string.Concat(Enumerable.Repeat("[", 200)) + string.Concat(Enumerable.Repeat("]", 200)) + "}", "not valid" },
    };

    [Theory]
    [MemberData(nameof(RefusedBodies))]
    public async Task Text_the_database_cannot_store_and_overlong_strings_are_refused_at_the_edge(string json, string reason)
    {
        await using var app = await TestApp.StartAsync(map: Map);
        using var request = app.Request(HttpMethod.Post, "/api/body");
        request.Content = new StringContent(json, Encoding.UTF8, "application/json");

        var response = await app.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ProblemOf(response);
        Assert.Equal("VALIDATION_FAILED", problem.GetProperty("code").GetString());
        Assert.Contains(reason, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Valid_text_with_surrogate_pairs_passes()
    {
        await using var app = await TestApp.StartAsync(map: Map);
        using var request = app.Request(HttpMethod.Post, "/api/body");
        request.Content = new StringContent("""{"name":"a\ud83d\ude00","payload":{"t":"😀 ok"},"tags":["é"]}""", Encoding.UTF8,
            "application/json");

        var response = await app.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("a😀", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_wrong_content_type_is_415_with_its_code()
    {
        await using var app = await TestApp.StartAsync(map: Map);
        using var request = app.Request(HttpMethod.Post, "/api/body");
        request.Content = new StringContent("name=x", Encoding.UTF8, "text/plain");

        var response = await app.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("UNSUPPORTED_MEDIA_TYPE", (await ProblemOf(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_method_the_route_does_not_take_is_405_method_not_allowed()
    {
        await using var app = await TestApp.StartAsync(map: Map);

        var response = await app.Client.SendAsync(app.Request(HttpMethod.Put, "/api/only-get"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("METHOD_NOT_ALLOWED", (await ProblemOf(response)).GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("multipart/form-data", "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nabc\r\n--x--\r\n")]
    [InlineData("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nabc")]
    [InlineData("multipart/form-data; boundary=x", "--x\r\nthis is not a header line\r\n\r\nabc\r\n--x--\r\n")]
    public async Task A_boundaryless_or_truncated_multipart_body_is_400(string contentType, string body)
    {
        await using var app = await TestApp.StartAsync(map: Map);
        using var request = app.Request(HttpMethod.Post, "/api/form");
        request.Content = new ByteArrayContent(Encoding.ASCII.GetBytes(body));
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        var response = await app.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("VALIDATION_FAILED", (await ProblemOf(response)).GetProperty("code").GetString());
    }
}
