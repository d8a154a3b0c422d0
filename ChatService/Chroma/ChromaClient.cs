using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using ChatService.Llm;
using Microsoft.Extensions.Options;
using ServiceDefaults.Http;

namespace ChatService.Chroma;

/// <summary>
/// Typed client of the Chroma 1.0 v2 REST API (one collection per <see cref="EmbeddingSpace"/> — provider, model and
/// dimension, in the name and in the collection's metadata — cosine space). Every record is
/// written with its vector through <c>upsert</c> with stable ids, so a retried or half-applied write is harmless.
/// Timeouts, retries and the <c>chroma</c> breaker come from the HttpClient pipeline (<see cref="ChromaRegistration"/>).
/// </summary>
public sealed partial class ChromaClient(HttpClient http, IOptions<ChromaOptions> options, ChromaCollections collections)
{
    public const string BreakerName = "chroma";

    private string Prefix => $"api/v2/tenants/{options.Value.Tenant}/databases/{options.Value.Database}";

    public bool IsConfigured => http.BaseAddress is not null;

    public Task UpsertAsync(EmbeddingSpace space, IReadOnlyList<ChromaRecord> records, CancellationToken cancellationToken) =>
        Readable(() => UpsertCoreAsync(space, records, cancellationToken), cancellationToken);

    /// <summary>
    /// For each of <paramref name="embeddings"/>, in order, the nearest chunks of <paramref name="owner"/>, optionally
    /// restricted to <paramref name="documentIds"/>: one request, however many embeddings (<see cref="ChromaQueryBatcher"/>).
    /// </summary>
    public Task<IReadOnlyList<IReadOnlyList<ChromaMatch>>> QueryAsync(EmbeddingSpace space, IReadOnlyList<float[]> embeddings,
        int count, string owner, IReadOnlyCollection<Guid>? documentIds, CancellationToken cancellationToken) =>
        Readable(() => QueryCoreAsync(space, embeddings, count, owner, documentIds, cancellationToken), cancellationToken);

    public Task DeleteDocumentAsync(EmbeddingSpace space, Guid documentId, CancellationToken cancellationToken) =>
        Readable(() => DeleteDocumentCoreAsync(space, documentId, cancellationToken), cancellationToken);

    /// <summary>
    /// One failure type for callers: a response that cannot be read (cut short: <see cref="IOException"/>; not the JSON
    /// expected: <see cref="JsonException"/>, <see cref="KeyNotFoundException"/>, <see cref="InvalidOperationException"/>)
    /// is Chroma being unavailable, like an error status. Transport errors and the pipeline's own exceptions pass as they are.
    /// </summary>
    private static async Task<T> Readable<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (ex is IOException or JsonException or KeyNotFoundException or InvalidOperationException
                                       or FormatException
                                   && !cancellationToken.IsCancellationRequested)
        {
            throw new ChromaUnavailableException($"Chroma's answer could not be read: {ex.GetType().Name}: {ex.Message}", ex);
        }
    }

    private static Task Readable(Func<Task> call, CancellationToken cancellationToken) =>
        Readable(async () =>
        {
            await call();
            return true;
        }, cancellationToken);

    private async Task UpsertCoreAsync(EmbeddingSpace space, IReadOnlyList<ChromaRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return;
        }

        var id = await CollectionIdAsync(space, cancellationToken);
        var body = new JsonObject
        {
            ["ids"] = new JsonArray([.. records.Select(r => JsonValue.Create(r.Id))]),
            ["embeddings"] = new JsonArray(
                [.. records.Select(r => (JsonNode)new JsonArray([.. r.Embedding.Select(v => JsonValue.Create(v))]))]),
            ["documents"] = new JsonArray([.. records.Select(r => JsonValue.Create(r.Document))]),
            ["metadatas"] = new JsonArray([.. records.Select(r => (JsonNode)new JsonObject
            {
                ["owner"] = r.Owner,
                ["document_id"] = r.DocumentId.ToString("N"),
            })]),
        };
        await SendAsync(space, HttpMethod.Post, $"{Prefix}/collections/{id}/upsert", body, cancellationToken);
    }

    private async Task<IReadOnlyList<IReadOnlyList<ChromaMatch>>> QueryCoreAsync(EmbeddingSpace space, IReadOnlyList<float[]> embeddings,
        int count, string owner, IReadOnlyCollection<Guid>? documentIds, CancellationToken cancellationToken)
    {
        var id = await CollectionIdAsync(space, cancellationToken);
        JsonNode where = new JsonObject { ["owner"] = owner };
        if (documentIds is { Count: > 0 })
        {
            where = new JsonObject
            {
                ["$and"] = new JsonArray(
                    new JsonObject { ["owner"] = owner },
                    new JsonObject
                    {
                        ["document_id"] = new JsonObject
                        {
                            ["$in"] = new JsonArray([.. documentIds.Select(d => JsonValue.Create(d.ToString("N")))]),
                        },
                    }),
            };
        }

        // why: typed, so the vector is written straight from the float[] (a JsonNode tree held one object per dimension)
        var body = JsonContent.Create(new QueryBody([.. embeddings], count, where, ["distances"]));
        using var response = await SendAsync(space, HttpMethod.Post, $"{Prefix}/collections/{id}/query", body, cancellationToken);
        var result = await ReadJsonAsync(response, cancellationToken);
        var ids = result.GetProperty("ids");
        if (ids.GetArrayLength() == 0)
        {
            return [.. embeddings.Select(_ => (IReadOnlyList<ChromaMatch>)[])];
        }

        if (ids.GetArrayLength() != embeddings.Count)
        {
            throw new ChromaUnavailableException(
                $"Chroma answered {ids.GetArrayLength()} result lists to {embeddings.Count} query embeddings.");
        }

        var distances = result.TryGetProperty("distances", out var d) && d.ValueKind == JsonValueKind.Array ? d : default;
        var answers = new List<IReadOnlyList<ChromaMatch>>(embeddings.Count);
        for (var q = 0; q < embeddings.Count; q++)
        {
            var matches = new List<ChromaMatch>();
            var i = 0;
            foreach (var item in ids[q].EnumerateArray())
            {
                var distance = distances.ValueKind == JsonValueKind.Array ? distances[q][i].GetDouble() : 0;
                matches.Add(new ChromaMatch(item.GetString()!, distance));
                i++;
            }

            answers.Add(matches);
        }

        return answers;
    }

    private async Task DeleteDocumentCoreAsync(EmbeddingSpace space, Guid documentId, CancellationToken cancellationToken)
    {
        var id = await CollectionIdAsync(space, cancellationToken);
        var body = new JsonObject { ["where"] = new JsonObject { ["document_id"] = documentId.ToString("N") } };
        using var _ = await SendAsync(space, HttpMethod.Post, $"{Prefix}/collections/{id}/delete", body, cancellationToken);
    }

    /// <summary><c>{prefix}-{provider}-{model}-{dimensions}</c>, e.g. <c>chat-embedded-all-MiniLM-L6-v2-384</c>.</summary>
    public static string CollectionName(string prefix, EmbeddingSpace space) =>
        InvalidNameCharacters().Replace($"{prefix}-{space.Provider}-{space.Model}-{space.Dimensions}", "-");

    private async Task<string> CollectionIdAsync(EmbeddingSpace space, CancellationToken cancellationToken)
    {
        if (collections.TryGet(space.Key, out var cached))
        {
            return cached;
        }

        var body = new JsonObject
        {
            ["name"] = CollectionName(options.Value.CollectionPrefix, space),
            ["configuration"] = new JsonObject { ["hnsw"] = new JsonObject { ["space"] = "cosine" } },
            // why: a reader of Chroma (or a re-index) can tell which model and dimension the vectors come from
            ["metadata"] = new JsonObject
            {
                ["embedding_provider"] = space.Provider,
                ["embedding_model"] = space.Model,
                ["embedding_dimensions"] = space.Dimensions,
            },
            ["get_or_create"] = true,
        };
        using var response = await SendAsync(null, HttpMethod.Post, $"{Prefix}/collections", body, cancellationToken);
        var collection = await ReadJsonAsync(response, cancellationToken);
        var id = collection.GetProperty("id").GetString()
            ?? throw new ChromaUnavailableException("Chroma returned a collection without id.");
        collections.Set(space.Key, id);
        return id;
    }

    private Task<HttpResponseMessage> SendAsync(EmbeddingSpace? space, HttpMethod method, string path, JsonNode body,
        CancellationToken cancellationToken) =>
        SendAsync(space, method, path, JsonContent.Create(body), cancellationToken);

    private async Task<HttpResponseMessage> SendAsync(EmbeddingSpace? space, HttpMethod method, string path, HttpContent body,
        CancellationToken cancellationToken)
    {
        if (!IsConfigured)
        {
            body.Dispose();
            throw new ChromaUnavailableException("Chroma is not configured (services__chroma__http__0).");
        }

        using var request = new HttpRequestMessage(method, path) { Content = body };
        // why: headers only; the body is read by ReadJsonAsync under Chroma:MaxResponseBytes instead of buffered without a cap
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        string text;
        try
        {
            text = System.Text.Encoding.UTF8.GetString(await BoundedContent.ReadAsBytesAsync(response.Content, 4096, "Chroma",
                cancellationToken));
        }
        catch (ResponseTooLargeException)
        {
            text = "(error body over 4 KiB)";
        }


        response.Dispose();
        if (response.StatusCode == HttpStatusCode.NotFound && space is not null)
        {
            // The collection was deleted or Chroma lost its data: forget the cached id so the next call recreates it.
            collections.Forget(space.Key);
        }

        throw new ChromaUnavailableException($"Chroma answered {(int)response.StatusCode} to {path}: {Truncate(text)}");
    }

    /// <summary>A response body as JSON, at most <c>Chroma:MaxResponseBytes</c> (a larger answer is a Chroma failure, not an unbounded
    /// read).</summary>
    private async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            using var document = await BoundedContent.ReadJsonDocumentAsync(response.Content, options.Value.MaxResponseBytes, "Chroma",
                cancellationToken);
            return document.RootElement.Clone();
        }
        catch (ResponseTooLargeException ex)
        {
            throw new ChromaUnavailableException($"{ex.Message} ({ex.Code})");
        }
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300];

    /// <summary>The body of <c>POST …/collections/{id}/query</c>.</summary>
    private sealed record QueryBody(
        [property: JsonPropertyName("query_embeddings")] float[][] QueryEmbeddings,
        [property: JsonPropertyName("n_results")] int NResults,
        [property: JsonPropertyName("where")] JsonNode Where,
        [property: JsonPropertyName("include")] string[] Include);

    [GeneratedRegex("[^a-zA-Z0-9._-]")]
    private static partial Regex InvalidNameCharacters();
}
