using System.Runtime.InteropServices;
using ChatService.Rag;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatService.Caching;

/// <summary>
/// Question vectors, kept in this replica's memory (the shared, size-limited <see cref="IMemoryCache"/>) and in Redis for
/// the other replicas, for <see cref="ChatLimitsOptions.EmbeddingCacheTtl"/>. A chat turn reads it before it calls the
/// embedding model and writes it after, so it sits on every turn's critical path: a read is one Redis <c>GET</c> on the
/// caller's own flow (bounded by <see cref="ChatLimitsOptions.EmbeddingCacheReadTimeout"/>, then a miss), a write is
/// sent without waiting for Redis' reply. Redis down or slow is a miss, never an error.
/// </summary>
public sealed partial class QueryEmbeddingCache(
    IMemoryCache memory,
    IConnectionMultiplexer redis,
    IOptions<ChatLimitsOptions> options,
    TimeProvider time,
    ILogger<QueryEmbeddingCache> logger)
{
    /// <summary>The vector stored under <paramref name="key"/>, or null (not cached, Redis unavailable or too slow).</summary>
    public async Task<float[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        if (memory.TryGetValue(key, out float[]? vector))
        {
            return vector;
        }

        if (!redis.IsConnected)
        {
            return null;
        }

        try
        {
            var value = await redis.GetDatabase().StringGetAsync(key)
                .WaitAsync(options.Value.EmbeddingCacheReadTimeout, time, cancellationToken);
            var bytes = (byte[]?)value;
            if (bytes is not { Length: > 0 } || bytes.Length % sizeof(float) != 0)
            {
                return null;
            }

            vector = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
            Remember(key, vector);
            return vector;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogReadFailed(ex.GetType().Name, ex.Message);
            return null;
        }
    }

    /// <summary>Keeps <paramref name="vector"/> here and sends it to Redis without waiting for the reply.</summary>
    public async Task SetAsync(string key, float[] vector)
    {
        Remember(key, vector);
        if (!redis.IsConnected)
        {
            return;
        }

        try
        {
            // why: FireAndForget: StackExchange.Redis queues the SET on its connection and returns a completed task; a
            // write that fails costs a later miss, so the turn does not wait a round trip for it
            await redis.GetDatabase().StringSetAsync(key, MemoryMarshal.AsBytes(vector.AsSpan()).ToArray(),
                options.Value.EmbeddingCacheTtl, flags: CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogWriteFailed(ex.GetType().Name, ex.Message);
        }
    }

    // why: the memory layer is size-limited (Cache:LocalSizeLimitBytes): each entry gives its size in bytes
    private void Remember(string key, float[] vector) =>
        memory.Set(key, vector, new MemoryCacheEntryOptions
        {
            Size = (vector.Length * sizeof(float)) + (key.Length * sizeof(char)),
            AbsoluteExpirationRelativeToNow = options.Value.EmbeddingCacheTtl,
        });

    [LoggerMessage(Level = LogLevel.Debug, Message = "Query embedding cache read failed ({ExceptionType}), treated as a miss: {Error}")]
    private partial void LogReadFailed(string exceptionType, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Query embedding cache write failed ({ExceptionType}): {Error}")]
    private partial void LogWriteFailed(string exceptionType, string error);
}
