using System.Net;
using System.Net.Sockets;
using DistributorService.Options;
using Microsoft.Extensions.Options;

namespace DistributorService.Destinations;

/// <summary>
/// Keeps deliveries away from internal networks: loopback, private, link-local, CGNAT, multicast, the IPv6 forms that
/// embed an IPv4 address (IPv4-compatible <c>::/96</c>, NAT64 <c>64:ff9b::/96</c> and <c>64:ff9b:1::/48</c>, 6to4
/// <c>2002::/16</c>) and cloud metadata addresses are refused unless configuration allows them. Checked when a destination
/// is saved (on the host's resolved addresses) and again on the address actually connected to (DNS rebinding).
/// Order: the metadata list first and always (an allow-list entry never opens it, nor an IPv6 form embedding it), then the
/// allow-list (an allow-listed host name is still resolved, and each address it resolves to is checked against the
/// metadata list), then the internal ranges.
/// </summary>
public sealed class SsrfGuard(IOptionsMonitor<DistributorOptions> options)
{
    private static readonly IPAddress[] MetadataAddresses =
    [
        IPAddress.Parse("169.254.169.254"),
        IPAddress.Parse("169.254.170.2"),
        IPAddress.Parse("100.100.100.200"),
        IPAddress.Parse("168.63.129.16"), // Azure wire server
        IPAddress.Parse("192.0.0.192"), // Oracle Cloud
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
        if (MetadataHosts.Contains(host.TrimEnd('.'), StringComparer.OrdinalIgnoreCase))
        {
            return "points at a cloud metadata service";
        }

        if (options.CurrentValue.Ssrf.AllowedPorts is { Length: > 0 } ports && !ports.Contains(uri.Port))
        {
            return $"port {uri.Port} is not allowed (Distributor:Ssrf:AllowedPorts)";
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

    /// <summary>Null when connecting to <paramref name="address"/> (resolved from <paramref name="host"/>) is allowed, else why
    /// not.</summary>
    public string? Refusal(string host, IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var embedded = EmbeddedIPv4(address);
        if (MetadataAddresses.Contains(address) || (embedded is not null && MetadataAddresses.Contains(embedded)))
        {
            return $"address {address} is a cloud metadata service";
        }

        if (IsHostAllowListed(host) || IsAddressAllowListed(address))
        {
            return null;
        }

        if (!IsInternal(address) && (embedded is null || !IsInternal(embedded)))
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
        IPNetwork.Parse("::/96"), // IPv4-compatible (deprecated), includes :: and ::1
        IPNetwork.Parse("64:ff9b::/96"), // NAT64 well-known prefix: reaches the embedded IPv4 address
        IPNetwork.Parse("64:ff9b:1::/48"), // NAT64 local-use prefix
        IPNetwork.Parse("2002::/16"), // 6to4: reaches the embedded IPv4 address
        IPNetwork.Parse("fc00::/7"),
        IPNetwork.Parse("fe80::/10"),
        IPNetwork.Parse("ff00::/8"),
    ];

    private static bool IsInternal(IPAddress address) => InternalRanges.Any(r => r.Contains(address));

    private static readonly IPNetwork Ipv4Compatible = IPNetwork.Parse("::/96");
    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");

    /// <summary>The IPv4 address an IPv6 address carries (IPv4-compatible, NAT64 well-known prefix, 6to4), or null.</summary>
    internal static IPAddress? EmbeddedIPv4(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return null;
        }

        var bytes = address.GetAddressBytes();
        if (Ipv4Compatible.Contains(address) || Nat64.Contains(address))
        {
            return new IPAddress(bytes.AsSpan(12, 4));
        }

        return SixToFour.Contains(address) ? new IPAddress(bytes.AsSpan(2, 4)) : null;
    }
}
