using System.Net.Http.Json;
using System.Text.Json;

namespace ChatBench;

internal static class Scenarios
{
    private static readonly float[] QueryVector = Enumerable.Range(0, 384).Select(i => (float)Math.Sin(i)).ToArray();
    private static string? _collectionId;

    public static async Task<ScenarioResult> RunAsync(string name, int count, int concurrency, Func<int, Task<bool>> call)
    {
        var recorder = new LatencyRecorder(name);
        recorder.Start();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency },
            async (i, _) => await recorder.TimeAsync(() => call(i)));
        return recorder.Report();
    }

    public static async Task<bool> ChatAsync(HttpClient chat, int i, CancellationToken cancellationToken = default)
    {
        try
        {
            using var response = await chat.PostAsJsonAsync("/api/chat", new { message = Corpus.Question(i) }, cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public static async Task<bool> DirectSimulatorAsync(HttpClient simulator, int i)
    {
        using var response = await simulator.PostAsJsonAsync("api/chat", new
        {
            model = "llama3.2",
            stream = true,
            messages = new[] { new { role = "user", content = Corpus.Question(i) } },
        });
        _ = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode;
    }

    public static async Task<bool> ChromaQueryAsync(HttpClient chroma)
    {
        const string prefix = "api/v2/tenants/default_tenant/databases/default_database/collections";
        if (_collectionId is null)
        {
            var collections = await chroma.GetFromJsonAsync<JsonElement>(prefix);
            _collectionId = collections.EnumerateArray().First().GetProperty("id").GetString();
        }

        using var response = await chroma.PostAsJsonAsync($"{prefix}/{_collectionId}/query",
            new { query_embeddings = new[] { QueryVector }, n_results = 5, include = new[] { "distances" } });
        return response.IsSuccessStatusCode;
    }
}
