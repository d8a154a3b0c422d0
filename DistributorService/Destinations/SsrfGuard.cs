using System.Net;
using System.Net.Sockets;
using DistributorService.Options;
using Microsoft.Extensions.Options;

namespace DistributorService.Destinations;

/// <summary>
/// Keeps deliveries away from internal networks: loopback, private, link-local, CGNAT, multicast and cloud
/// metadata addresses are refused unless configuration allows them. Checked when a destination is saved
/// (on the host's resolved addresses) and again on the address actually connected to (DNS rebinding).
/// </summary>
public sealed class SsrfGuard(IOptionsMonitor<DistributorOptions> options)
{
    private static readonly IPAddress[] MetadataAddresses =
    [
        IPAddress.Parse("169.254.169.254"),
        IPAddress.Parse("169.254.170.2"),
        IPAddress.Parse("100.100.100.200"),
        IPAddress.Parse("fd00:ec2::254"),
    ];

    private static readonly string[] MetadataHosts = ["metadata.google.internal", "metadata", "instance-data"];

    /// <summary>Null when <paramref name="url"/> may be used, else why not.</summary>
    public async Task<string?> CheckUrlAsync(string url, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return "must be an absolute http or https URL";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "must not carry credentials";
        }

        var host = uri.IdnHost;
        if (MetadataHosts.Contains(host, StringComparer.OrdinalIgnoreCase) && !IsHostAllowListed(host))
        {
            return "points at a cloud metadata service";
        }

        IPAddress[] addresses;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
            }
            catch (SocketException)
            {
                return $"host '{host}' does not resolve";
            }
        }

        foreach (var address in addresses)
        {
            if (Refusal(host, address) is { } reason)
            {
                return reason;
            }
        }

        return null;
    }

    /// <summary>Null when connecting to <paramref name="address"/> (resolved from <paramref name="host"/>) is allowed, else why not.</summary>
    public string? Refusal(string host, IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IsHostAllowListed(host) || IsAddressAllowListed(address))
        {
            return null;
        }

        if (MetadataAddresses.Contains(address))
        {
            return $"address {address} is a cloud metadata service";
        }

        if (!IsInternal(address))
        {
            return null;
        }

        return options.CurrentValue.Ssrf.AllowPrivateNetworks
            ? null
            : $"address {address} is loopback, private or link-local";
    }

    private bool IsHostAllowListed(string host) =>
        options.CurrentValue.Ssrf.AllowedHosts.Any(h => string.Equals(h, host, StringComparison.OrdinalIgnoreCase));

    private bool IsAddressAllowListed(IPAddress address)
    {
        foreach (var entry in options.CurrentValue.Ssrf.AllowedHosts)
        {
            if (entry.Contains('/', StringComparison.Ordinal) && IPNetwork.TryParse(entry, out var network) && network.Contains(address))
            {
                return true;
            }

            if (IPAddress.TryParse(entry, out var single) && single.Equals(address))
            {
                return true;
            }
        }

        return false;
    }

    private static readonly IPNetwork[] InternalRanges =
    [
        IPNetwork.Parse("0.0.0.0/8"),
        IPNetwork.Parse("10.0.0.0/8"),
        IPNetwork.Parse("100.64.0.0/10"),
        IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"),
        IPNetwork.Parse("172.16.0.0/12"),
        IPNetwork.Parse("192.0.0.0/24"),
        IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("198.18.0.0/15"),
        IPNetwork.Parse("224.0.0.0/4"),
        IPNetwork.Parse("240.0.0.0/4"),
        IPNetwork.Parse("::/128"),
        IPNetwork.Parse("::1/128"),
        IPNetwork.Parse("fc00::/7"),
        IPNetwork.Parse("fe80::/10"),
        IPNetwork.Parse("ff00::/8"),
    ];

    private static bool IsInternal(IPAddress address) => InternalRanges.Any(r => r.Contains(address));
}
