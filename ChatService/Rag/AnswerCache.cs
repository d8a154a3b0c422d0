using System.Security.Cryptography;
using System.Text;
using ChatService.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;

namespace ChatService.Rag;

/// <summary>
/// Answers to an identical question over an unchanged document set, in HybridCache (memory + Redis). The key includes a
/// version of the caller's document set (count and last change), so uploading, re-indexing or deleting a document
/// invalidates earlier answers. Redis being down only makes this a local-memory cache.
/// </summary>
public sealed class AnswerCache(HybridCache cache, ChatDbContext db, IOptions<ChatLimitsOptions> options)
{
    public bool Enabled => options.Value.CacheAnswers;

    public async Task<string> KeyAsync(string owner, string question, int topK, IReadOnlyList<Guid>? documentIds,
        CancellationToken cancellationToken)
    {
        var version = await db.Documents.AsNoTracking()
            .Where(d => d.Owner == owner)
            .GroupBy(_ => 1)
            .Select(g => new { Count = g.Count(), Last = g.Max(d => d.UpdatedAt) })
            .FirstOrDefaultAsync(cancellationToken);
        var ids = documentIds is null ? "" : string.Join(',', documentIds.Order());
        var material = $"{owner}\n{version?.Count}:{version?.Last.UtcTicks}\n{topK}\n{ids}\n{question.Trim().ToLowerInvariant()}";
        return "chat:answer:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(material)));
    }

    public async Task<CachedAnswer?> GetAsync(string key, CancellationToken cancellationToken) =>
        await cache.GetOrCreateAsync<CachedAnswer?>(key, _ => ValueTask.FromResult<CachedAnswer?>(null),
            new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableUnderlyingData },
            cancellationToken: cancellationToken);

    public async Task SetAsync(string key, CachedAnswer answer, CancellationToken cancellationToken) =>
        await cache.SetAsync(key, answer,
            new HybridCacheEntryOptions { Expiration = options.Value.AnswerCacheTtl, LocalCacheExpiration = options.Value.AnswerCacheTtl },
            cancellationToken: cancellationToken);
}
