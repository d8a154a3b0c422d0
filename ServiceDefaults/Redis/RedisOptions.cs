using System.ComponentModel.DataAnnotations;

namespace ServiceDefaults.Redis;

/// <summary>Redis budgets (section <c>Redis</c>). A Redis outage must only cost a cache miss or a delay.</summary>
public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>StackExchange.Redis <c>ConnectTimeout</c> (whole milliseconds).</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "00:00:30")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>StackExchange.Redis <c>SyncTimeout</c> (whole milliseconds).</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "00:00:30")]
    public TimeSpan SyncTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>StackExchange.Redis <c>AsyncTimeout</c> (whole milliseconds).</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "00:00:30")]
    public TimeSpan AsyncTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Time between keep-alive pings, so a silently dead connection is noticed (whole seconds, rounded up).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(10);
}
