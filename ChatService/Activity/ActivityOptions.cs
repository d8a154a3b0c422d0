using System.ComponentModel.DataAnnotations;

namespace ChatService.Activity;

/// <summary>The activity stream (section <c>Activity</c>).</summary>
public sealed class ActivityOptions
{
    public const string Section = "Activity";

    /// <summary>Events kept for a slow subscriber; older ones are dropped and the subscriber is told.</summary>
    [Range(1, 100_000)]
    public int SubscriberBuffer { get; set; } = 256;

    /// <summary>Redis pub/sub channel shared by all replicas.</summary>
    [Required]
    public string Channel { get; set; } = "chat:activity";

    /// <summary>Comment line sent to idle subscribers so proxies keep the connection open.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Bound on one publish to Redis.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:00:10")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(1);
}
