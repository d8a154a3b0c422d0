using System.ComponentModel.DataAnnotations;

namespace DurableJobs.Events;

/// <summary>
/// Events a service posts to DistributorService through its own job queue (section <c>Events</c>). Publishing is on when
/// <see cref="Enabled"/> says so or, when unset, when service discovery knows the distributor
/// (<c>services:distributorservice</c>, which the AppHost injects); otherwise staging an event does nothing.
/// </summary>
public sealed class EventPublishingOptions
{
    public const string Section = "Events";

    /// <summary>Null: on exactly when <c>services:&lt;BaseAddress host&gt;</c> is configured.</summary>
    public bool? Enabled { get; set; }

    /// <summary>DistributorService, resolved by service discovery (<c>services__distributorservice__http__0</c>).</summary>
    [Required]
    public Uri BaseAddress { get; set; } = new("http://distributorservice");

    /// <summary>Budget of one POST; a slower distributor fails the attempt, which the queue retries with backoff.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:02:00")]
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
