using System.ComponentModel.DataAnnotations;
using ServiceDefaults.Resilience;
using Microsoft.Extensions.Options;

namespace DistributorService.Options;

/// <summary>Every budget and limit of the distributor (section <c>Distributor</c>); documented in the README.</summary>
public sealed class DistributorOptions
{
    public const string Section = "Distributor";

    [Required]
    public SsrfOptions Ssrf { get; set; } = new();

    [Required, ValidateObjectMembers]
    public SecretOptions Secrets { get; set; } = new();

    [Required, ValidateObjectMembers]
    public DeliveryOptions Delivery { get; set; } = new();

    [Required, ValidateObjectMembers]
    public BreakerOptions Breaker { get; set; } = new() { MinimumThroughput = 10, BreakDuration = TimeSpan.FromSeconds(30) };

    [Required, ValidateObjectMembers]
    public OAuthOptions OAuth { get; set; } = new();

    [Required, ValidateObjectMembers]
    public HealthMonitorOptions Health { get; set; } = new();

    [Required, ValidateObjectMembers]
    public DestinationLimits Destinations { get; set; } = new();

    /// <summary>
    /// Bound on everything <c>POST /api/events</c> does in PostgreSQL (pool wait, idempotency lookup, the transaction).
    /// When it runs out the event is not accepted: 503 <c>DEPENDENCY_UNAVAILABLE</c>. Below the command timeout, so a
    /// hung database answers in about this long (plus Npgsql's 2 s cancellation wait) instead of once per statement.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan IntakeTimeout { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>
    /// Who may post which events, keyed by the publisher's token subject (<c>sub</c>). A caller needs the <c>publisher</c> role
    /// (or the <c>events:publish</c> scope) and an entry here; types outside its patterns are 403 <c>EVENT_TYPE_NOT_ALLOWED</c>.
    /// Defaults (appsettings.json): <c>evaluationservice</c> → <c>evaluation.*</c>; <c>chatservice</c> → <c>chat.*</c>, <c>document.*</c>.
    /// </summary>
    public Dictionary<string, PublisherOptions> Publishers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Page size when a list request gives no <c>limit</c>.</summary>
    [Range(1, 1000)]
    public int DefaultPageSize { get; set; } = 50;

    [Range(1, 1000)]
    public int MaxPageSize { get; set; } = 500;

    /// <summary>Largest replay in one call (distributions put back in the queue).</summary>
    [Range(1, 100_000)]
    public int MaxReplayBatch { get; set; } = 1000;
}
