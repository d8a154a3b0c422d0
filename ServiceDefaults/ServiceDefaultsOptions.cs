using System.ComponentModel.DataAnnotations;

namespace ServiceDefaults;

/// <summary>Budgets and limits every service gets (section <c>ServiceDefaults</c>).</summary>
public sealed class ServiceDefaultsOptions
{
    public const string Section = "ServiceDefaults";

    /// <summary>
    /// Endpoint budget when an endpoint declares none; a caller may lower it with the <c>X-Request-Timeout-Ms</c> header.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan DefaultRequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest request body accepted by default (413 beyond it); upload endpoints set their own.</summary>
    [Range(1024, 1024L * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>How long the host waits for hosted services (workers) to stop.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Each health check's own timeout.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:00:02")]
    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a health report is served from cache before a background refresh.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan HealthCacheDuration { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Longest wait for the next bytes of any outgoing call's response body (every <c>IHttpClientFactory</c> client;
    /// a client that talks to a model sets its own). A server that stops mid-body fails the read and loses the connection.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan ResponseReadIdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Most bytes read from any outgoing call's response body (every <c>IHttpClientFactory</c> client, model streams
    /// included; a client with a tighter contract sets its own). Past it the read fails with <c>RESPONSE_TOO_LARGE</c>
    /// and the connection is closed.
    /// </summary>
    [Range(1024, long.MaxValue)]
    public long MaxResponseBodyBytes { get; set; } = 64L * 1024 * 1024;
}
