using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ServiceDefaults.Requests;

namespace ServiceDefaults.Tests;

/// <summary>The one Idempotency-Key binder: absent is no key, a key is passed on, a bad one is 400 before the handler, OpenAPI shows
/// it.</summary>
public sealed class IdempotencyKeyTests
{
    private static int _handled;

    private static void Map(WebApplication app) =>
        app.MapPost("/api/things", (IdempotencyKey key) =>
        {
            Interlocked.Increment(ref _handled);
            return TypedResults.Ok(new { key = key.Value });
        });

    private static async Task<HttpResponseMessage> PostAsync(TestApp app, string? key)
    {
        using var request = app.Request(HttpMethod.Post, "/api/things");
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation(IdempotencyKey.HeaderName, key);
        }

        return await app.Client.SendAsync(request);
    }

    [Fact]
    public async Task Key_is_bound_absent_is_none_and_a_too_long_one_is_refused_before_the_handler()
    {
        await using var app = await TestApp.StartAsync(map: Map);

        using var withKey = await PostAsync(app, "order-7");
        Assert.Equal("order-7", JsonDocument.Parse(await withKey.Content.ReadAsStringAsync()).RootElement.GetProperty("key").GetString());
        using var without = await PostAsync(app, null);
        Assert.Equal(JsonValueKind.Null,
            JsonDocument.Parse(await without.Content.ReadAsStringAsync()).RootElement.GetProperty("key").ValueKind);

        var handled = Volatile.Read(ref _handled);
        using var tooLong = await PostAsync(app, new string('k', IdempotencyKey.MaxLength + 1));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        var problem = JsonDocument.Parse(await tooLong.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("VALIDATION_FAILED", problem.GetProperty("code").GetString());
        Assert.Contains(IdempotencyKey.HeaderName, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(handled, Volatile.Read(ref _handled));
    }

    [Fact]
    public async Task OpenApi_describes_the_header_on_operations_that_take_it()
    {
        await using var app = await TestApp.StartAsync(map: Map);
        var document = JsonDocument.Parse(await app.Client.GetStringAsync("/openapi/v1.json")).RootElement;
        var parameters = document.GetProperty("paths").GetProperty("/api/things").GetProperty("post").GetProperty("parameters");
        var header = Assert.Single(parameters.EnumerateArray(), p => p.GetProperty("name").GetString() == IdempotencyKey.HeaderName);
        Assert.Equal("header", header.GetProperty("in").GetString());
        Assert.False(document.GetProperty("paths").GetProperty("/api/things").GetProperty("post").TryGetProperty("requestBody", out _));
    }
}
