using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ServiceDefaults.Tests;

public sealed class ProblemDetailsTests
{
    private static void MapFailing(WebApplication app)
    {
        app.MapGet("/api/boom", string () => throw new InvalidOperationException("secret internals: password=hunter2"));
        app.MapGet("/api/db-down", string () => throw new NpgsqlException("connection refused"));
        app.MapGet("/api/db-down-wrapped", string () => throw new InvalidOperationException(
            "An exception has been raised that is likely due to a transient failure.", new NpgsqlException("timeout")));
        app.MapGet("/api/slow", async (HttpContext ctx) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(20), ctx.RequestAborted);
            return "late";
        });
        app.MapPost("/api/echo", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            return (await reader.ReadToEndAsync(request.HttpContext.RequestAborted)).Length;
        });
    }

    private static async Task<JsonElement> ProblemOf(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    [Fact]
    public async Task Unhandled_error_is_a_problem_with_code_and_trace_id_and_no_internals()
    {
        var logs = new CapturingLoggerProvider();
        await using var app = await TestApp.StartAsync(configure: b => b.Logging.AddProvider(logs), map: MapFailing);

        var response = await app.Client.SendAsync(app.Request(HttpMethod.Get, "/api/boom"));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        // Hidden from the caller, never from the operator: the exception is logged at Error with its details.
        var logged = Assert.Single(logs.Entries, e => e.Level == LogLevel.Error && e.Exception is InvalidOperationException);
        Assert.Contains("/api/boom", logged.Message, StringComparison.Ordinal);
        Assert.Contains("hunter2", logged.Exception!.Message, StringComparison.Ordinal);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("hunter2", body, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        var problem = await ProblemOf(response);
        Assert.Equal("INTERNAL_ERROR", problem.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("traceId").GetString()));
        Assert.Equal(500, problem.GetProperty("status").GetInt32());
    }

    [Theory]
    [InlineData("/api/db-down")]
    [InlineData("/api/db-down-wrapped")]
    public async Task Database_failure_is_503_dependency_unavailable(string path)
    {
        await using var app = await TestApp.StartAsync(map: MapFailing);

        var response = await app.Client.SendAsync(app.Request(HttpMethod.Get, path));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("DEPENDENCY_UNAVAILABLE", (await ProblemOf(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Unknown_route_is_a_404_problem()
    {
        await using var app = await TestApp.StartAsync(map: MapFailing);

        var response = await app.Client.SendAsync(app.Request(HttpMethod.Get, "/api/nothing-here"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("NOT_FOUND", (await ProblemOf(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_caller_budget_header_ends_a_slow_request_with_504()
    {
        await using var app = await TestApp.StartAsync(map: MapFailing);

        using var request = app.Request(HttpMethod.Get, "/api/slow");
        request.Headers.Add("X-Request-Timeout-Ms", "300");
        var response = await app.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("REQUEST_TIMEOUT", (await ProblemOf(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task The_endpoint_budget_ends_a_slow_request_with_504()
    {
        await using var app = await TestApp.StartAsync(map: MapFailing,
            settings: new Dictionary<string, string?> { ["ServiceDefaults:DefaultRequestTimeout"] = "00:00:00.300" });

        var response = await app.Client.SendAsync(app.Request(HttpMethod.Get, "/api/slow"));
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("REQUEST_TIMEOUT", (await ProblemOf(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task An_oversized_body_is_413()
    {
        await using var app = await TestApp.StartAsync(map: MapFailing,
            settings: new Dictionary<string, string?> { ["ServiceDefaults:MaxRequestBodyBytes"] = "2048" });

        using var request = app.Request(HttpMethod.Post, "/api/echo");
        request.Content = new StringContent(new string('x', 10_000));
        var response = await app.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("PAYLOAD_TOO_LARGE", (await ProblemOf(response)).GetProperty("code").GetString());
    }
}

/// <summary>Keeps every log entry written through it, for assertions on what an operator would see.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<(LogLevel Level, string Category, string Message,
        Exception? Exception)> _entries = new();

    public IReadOnlyCollection<(LogLevel Level, string Category, string Message, Exception? Exception)> Entries => _entries.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter) =>
            owner._entries.Enqueue((logLevel, category, formatter(state, exception), exception));
    }
}
