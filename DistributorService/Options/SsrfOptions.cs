namespace DistributorService.Options;

/// <summary>Which destination addresses are allowed besides public ones.</summary>
public sealed class SsrfOptions
{
    /// <summary>Allow loopback, private (RFC 1918, ULA), link-local and CGNAT addresses. Cloud metadata addresses stay refused.</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Host names, IP addresses or CIDR ranges that are allowed even when private (e.g. <c>127.0.0.1</c>, <c>10.1.0.0/16</c>,
    /// <c>sink.internal</c>).</summary>
    /// <remarks>
    /// Never opens a cloud metadata address. An allow-listed host name is still resolved at save and at connect time,
    /// and an address it resolves to on the metadata list is refused.
    /// </remarks>
    public string[] AllowedHosts { get; set; } = [];

    /// <summary>Ports a destination URL may use (empty: any). E.g. <c>[443]</c> keeps deliveries off internal service ports.</summary>
    public int[] AllowedPorts { get; set; } = [];
}
