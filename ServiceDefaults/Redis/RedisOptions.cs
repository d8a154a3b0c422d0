using System.ComponentModel.DataAnnotations;

namespace ServiceDefaults.Redis;

/// <summary>Redis budgets (section <c>Redis</c>). A Redis outage must only cost a cache miss or a delay.</summary>
public sealed class RedisOptions
{
    public const string Section = "Redis";

    [Range(100, 30_000)]
    public int ConnectTimeoutMs { get; set; } = 2000;

    [Range(100, 30_000)]
    public int SyncTimeoutMs { get; set; } = 2000;

    [Range(100, 30_000)]
    public int AsyncTimeoutMs { get; set; } = 2000;

    /// <summary>Seconds between keep-alive pings, so a silently dead connection is noticed.</summary>
    [Range(1, 300)]
    public int KeepAliveSeconds { get; set; } = 10;
}
