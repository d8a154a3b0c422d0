using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DistributorService.Destinations;
using Testing;

namespace DistributorService.Tests;

/// <summary>Bad input is the caller's fault (400 with a code), never a database outage (503) or a silently ignored parameter.</summary>
[Collection("dependencies")]
public sealed class InputEdgeTests(DependenciesFixture deps) : IAsyncLifetime
{
    private DistributorApp _app = null!;

    public async Task InitializeAsync() => _app = await DistributorApp.StartAsync(deps);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static async Task<JsonElement> ProblemOf(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement;
    }

    [Theory]
    [InlineData("""{"type":"t","payload":{"message":"hello\u0000 world"}}""")]
    [InlineData("""{"type":"t","payload":["\ud800"]}""")]
    [InlineData("""{"type":"t","payload":{"a\u0000":1}}""")]
    [InlineData("""{"type":"t\u0000","payload":{}}""")]
    [InlineData("""{"type":"t","payload":{},"idempotencyKey":"k\udc00"}""")]
    public async Task An_event_with_text_postgresql_cannot_store_is_400_and_nothing_is_stored(string json)
    {
        using var response = await _app.Client.Http.PostAsync("/api/events", new StringContent(json, Encoding.UTF8, "application/json"));

        var problem = await ProblemOf(response, HttpStatusCode.BadRequest);
        Assert.Equal("VALIDATION_FAILED", problem.GetProperty("code").GetString());
        Assert.False(response.Headers.Contains("Retry-After"));
    }

    public static TheoryData<DestinationRequest, string> OverlongDestinations()
    {
        var url = new Uri("http://127.0.0.1:9/hook");
        var long2049 = "http://127.0.0.1:9/" + new string('a', 2_040);
        var oauth = (string? tokenUrl, string? clientId, string? scope) =>
            new DestinationAuthRequest("oauth2_client_credentials", null, tokenUrl ?? "http://127.0.0.1:9/token", clientId ?? "id",
                "secret", scope);
        return new()
        {
            { DistributorClient.Destination(url, auth: oauth(long2049, null, null)), "tokenUrl" },
            { DistributorClient.Destination(url, auth: oauth(null, new string('c', 401), null)), "clientId" },
            { DistributorClient.Destination(url, auth: oauth(null, null, new string('s', 401))), "scope" },
            { DistributorClient.Destination(url) with { HealthUrl = long2049 }, "healthUrl" },
            { DistributorClient.Destination(url, name: new string('n', 201)), "name" },
        };
    }

    [Theory]
    [MemberData(nameof(OverlongDestinations))]
    public async Task Overlong_destination_fields_are_400_naming_the_field(DestinationRequest destination, string field)
    {
        using var response = await _app.Client.Http.PostAsJsonAsync("/api/destinations", destination, JsonSerializerOptions.Web);

        var problem = await ProblemOf(response, HttpStatusCode.BadRequest);
        Assert.Equal("VALIDATION_FAILED", problem.GetProperty("code").GetString());
        Assert.Contains(field, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/destinations?cursor=garbage", "INVALID_CURSOR")]
    [InlineData("/api/destinations?limit=0", "VALIDATION_FAILED")]
    [InlineData("/api/destinations?limit=-1", "VALIDATION_FAILED")]
    [InlineData("/api/distributions?limit=1000000", "VALIDATION_FAILED")]
    [InlineData("/api/distributions?cursor=garbage", "INVALID_CURSOR")]
    [InlineData("/api/dead-letters?limit=-1", "VALIDATION_FAILED")]
    [InlineData("/api/dead-letters?cursor=x", "INVALID_CURSOR")]
    public async Task Out_of_range_limits_and_foreign_cursors_are_400_on_every_list(string path, string code)
    {
        using var response = await _app.Client.Http.GetAsync(path);

        var problem = await ProblemOf(response, HttpStatusCode.BadRequest);
        Assert.Equal(code, problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task The_destinations_cursor_still_pages()
    {
        for (var i = 0; i < 3; i++)
        {
            await _app.Client.CreateDestinationAsync(DistributorClient.Destination(new Uri($"http://127.0.0.1:9/p{i}"), name: $"p{i}"));
        }

        var first = await _app.Client.Http.GetFromJsonAsync<JsonElement>("/api/destinations?limit=2");
        var cursor = first.GetProperty("nextCursor").GetString();
        var second = await _app.Client.Http.GetFromJsonAsync<JsonElement>(
            $"/api/destinations?limit=2&cursor={Uri.EscapeDataString(cursor!)}");

        Assert.Equal(2, first.GetProperty("items").GetArrayLength());
        Assert.Equal(1, second.GetProperty("items").GetArrayLength());
    }
}
