using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Testing.Tests;

[Collection(DependenciesCollection.Name)]
public sealed class ChromaServerTests(DependenciesFixture dependencies)
{
    private const string Collections = "/api/v2/tenants/default_tenant/databases/default_database/collections";

    [Fact]
    public async Task Heartbeat_answers_on_the_v2_api()
    {
        var ct = TestBudget.Token();
        var chroma = await dependencies.GetChromaAsync(ct);
        using var http = ChromaClient(chroma);

        using var response = await http.GetAsync("/api/v2/heartbeat", ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        Assert.True(body.RootElement.GetProperty("nanosecond heartbeat").GetInt64() > 0);
    }

    [Fact]
    public async Task Added_embeddings_are_found_by_nearest_neighbour_query()
    {
        var ct = TestBudget.Token();
        var chroma = await dependencies.GetChromaAsync(ct);
        using var http = ChromaClient(chroma);
        var id = await CreateCollectionAsync(http, $"fixture-{Guid.NewGuid():N}", ct);

        using var add = await http.PostAsJsonAsync($"{Collections}/{id}/add", new
        {
            ids = new[] { "a", "b", "c" },
            embeddings = new[] { new[] { 1f, 0f, 0f }, new[] { 0f, 1f, 0f }, new[] { 0f, 0f, 1f } },
            documents = new[] { "alpha", "beta", "gamma" },
        }, ct);
        Assert.Equal(HttpStatusCode.Created, add.StatusCode);

        using var query = await http.PostAsJsonAsync($"{Collections}/{id}/query", new
        {
            query_embeddings = new[] { new[] { 0.1f, 0.9f, 0f } },
            n_results = 2,
            include = new[] { "documents", "distances" },
        }, ct);
        query.EnsureSuccessStatusCode();
        using var result = JsonDocument.Parse(await query.Content.ReadAsStringAsync(ct));
        var ids = string.Join(",", result.RootElement.GetProperty("ids")[0].EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("b,a", ids);
        Assert.Equal("beta", result.RootElement.GetProperty("documents")[0][0].GetString());
        Assert.Equal("3", await http.GetStringAsync($"{Collections}/{id}/count", ct));
    }

    internal static HttpClient ChromaClient(ChromaServer chroma, TimeSpan? timeout = null) =>
        new() { BaseAddress = chroma.BaseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(10) };

    internal static async Task<string> CreateCollectionAsync(HttpClient http, string name, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync(Collections, new
        {
            name,
            configuration = new { hnsw = new { space = "l2" } },
        }, ct);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return body.RootElement.GetProperty("id").GetString()!;
    }

    internal static async Task<HttpStatusCode> GetCollectionStatusAsync(HttpClient http, string name, CancellationToken ct)
    {
        using var response = await http.GetAsync($"{Collections}/{name}", ct);
        return response.StatusCode;
    }
}
