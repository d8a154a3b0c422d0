using System.Collections.Concurrent;
using System.Diagnostics;
using ChatService.Rag;
using ChatService.Llm;
using Microsoft.Extensions.Options;

namespace ChatService.Chroma;

/// <summary>
/// Sends the vector queries of concurrent turns that share a filter as one Chroma request with several query embeddings.
/// Chroma answers a request on one thread, and most of what a query costs it is the request itself: over 300 chunks,
/// one top-15 query with an owner filter took about 2 ms a query at 4 requests in flight, eight in one request about
/// 0.37 ms each. Under concurrency, that is where Chroma's throughput comes from.
/// <list type="bullet">
/// <item>No query waits for a batch to fill: the first query of a filter goes at once; the ones that arrive while it is in
/// flight go together when it returns, at most <see cref="ChromaOptions.MaxQueryBatch"/> to a request.</item>
/// <item>A filter is the collection, the owner, the documents and the count. Only queries with the same filter share a
/// request, so a request never carries another owner's query, and each query gets the answer a request of its own would.</item>
/// <item>A request is bounded by the Chroma client's pipeline (<see cref="ChromaOptions.Timeout"/> per attempt, its retries and
/// the <c>chroma</c> breaker); a query's own token releases it at once, and a query cancelled before its request is sent
/// is left out of it. A failed request fails each of its queries with the request's exception.</item>
/// </list>
/// </summary>
public sealed class ChromaQueryBatcher(IServiceProvider services, IOptions<ChromaOptions> options) : IDisposable
{
    private readonly ConcurrentDictionary<Filter, Lane> _lanes = new();
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Whether Chroma's address is configured (<c>services:chroma:http:0</c>); without it there is no vector branch.</summary>
    public bool IsConfigured { get; } = services.GetRequiredService<ChromaClient>().IsConfigured;

    /// <summary>The nearest chunks of <paramref name="owner"/> (optionally within <paramref name="documentIds"/>) and the size of
    /// the request that carried the query.</summary>
    public async Task<(IReadOnlyList<ChromaMatch> Matches, int BatchSize)> QueryAsync(EmbeddingSpace space, float[] embedding, int count,
        string owner, IReadOnlyCollection<Guid>? documentIds, CancellationToken cancellationToken)
    {
        var documents = documentIds is { Count: > 0 } ? documentIds.Distinct().Order().ToArray() : [];
        var filter = new Filter(space.Key, count, owner, string.Join(',', documents));
        var query = new PendingQuery(embedding, cancellationToken);
        Lane lane;
        bool send;
        while (true)
        {
            lane = _lanes.GetOrAdd(filter, _ => new Lane(space, documents));
            lock (lane)
            {
                // why: a lane that emptied was taken out of the map; its sender has stopped, so join (or make) the next one
                if (!lane.Closed)
                {
                    lane.Waiting.Enqueue(query);
                    send = !lane.Sending;
                    lane.Sending = true;
                    break;
                }
            }
        }

        if (send)
        {
            // why: the sender outlives no request for long: each request it sends is bounded by the client's pipeline, and it
            // stops when the lane is empty; every query it carries observes its outcome through its own task
            _ = SendWhileWaitingAsync(filter, lane);
        }

        return await query.Answer.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Sends the lane's waiting queries, a batch at a time, until none is left; then closes the lane.</summary>
    private async Task SendWhileWaitingAsync(Filter filter, Lane lane)
    {
        // why: the sender starts in the first query's flow; each batch's span names its own parent and links instead
        System.Diagnostics.Activity.Current = null;
        var max = options.Value.MaxQueryBatch;
        while (true)
        {
            var batch = new List<PendingQuery>();
            lock (lane)
            {
                while (batch.Count < max && lane.Waiting.TryDequeue(out var next))
                {
                    if (next.CancellationToken.IsCancellationRequested)
                    {
                        next.Answer.TrySetCanceled(next.CancellationToken);
                    }
                    else
                    {
                        batch.Add(next);
                    }
                }

                if (batch.Count == 0)
                {
                    lane.Sending = false;
                    lane.Closed = true;
                    _lanes.TryRemove(KeyValuePair.Create(filter, lane));
                    return;
                }
            }

            try
            {
                // why: inside the try: whatever fails (even resolving the client while the host shuts down) fails this batch's
                // queries and the loop goes on, so the lane always empties and closes
                var chroma = services.GetRequiredService<ChromaClient>();
                // A batch's span belongs to its first query's trace and links the others', so every turn's trace reaches the
                // request that answered it.
                using var span = ChatTelemetry.Source.StartActivity("chroma.query_batch", ActivityKind.Internal, batch[0].Context,
                    links: [.. batch.Skip(1).Where(q => q.Context != default).Select(q => new ActivityLink(q.Context))]);
                span?.SetTag("chroma.batch_size", batch.Count);
                var answers = await chroma.QueryAsync(lane.Space, [.. batch.Select(q => q.Embedding)], filter.Count, filter.Owner,
                    lane.Documents, _stopping.Token);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Answer.TrySetResult((answers[i], batch.Count));
                }
            }
            catch (Exception ex)
            {
                foreach (var query in batch)
                {
                    query.Answer.TrySetException(ex);
                }
            }
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    /// <summary>What makes two queries answerable by one request.</summary>
    private sealed record Filter(string Space, int Count, string Owner, string Documents);

    private sealed class Lane(EmbeddingSpace space, Guid[] documents)
    {
        public EmbeddingSpace Space { get; } = space;

        public Guid[] Documents { get; } = documents;

        public Queue<PendingQuery> Waiting { get; } = new();

        public bool Sending { get; set; }

        public bool Closed { get; set; }
    }

    private sealed class PendingQuery(float[] embedding, CancellationToken cancellationToken)
    {
        public float[] Embedding { get; } = embedding;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        /// <summary>The span the query was asked in (its turn's <c>rag.vector_query</c>).</summary>
        public ActivityContext Context { get; } = System.Diagnostics.Activity.Current?.Context ?? default;

        public TaskCompletionSource<(IReadOnlyList<ChromaMatch>, int)> Answer { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
