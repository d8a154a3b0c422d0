using System.ComponentModel.DataAnnotations;

namespace ChatService.Caching;

/// <summary>Bounds of HybridCache (section <c>Cache</c>): how much the in-memory layer may hold and how large one entry may be.</summary>
public sealed class CacheOptions
{
    public const string Section = "Cache";

    /// <summary>
    /// Total size of the in-memory layer (the sum of the entries' serialized sizes). When full, a new entry is not kept in
    /// memory (it is still in Redis) and the memory cache compacts, dropping the least recently used entries first.
    /// </summary>
    [Range(1024, 16L * 1024 * 1024 * 1024)]
    public long LocalSizeLimitBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Largest serialized entry cached at all (memory or Redis); a larger value is computed but not stored.</summary>
    [Range(1024, 256 * 1024 * 1024)]
    public int MaximumEntryBytes { get; set; } = 1024 * 1024;
}
