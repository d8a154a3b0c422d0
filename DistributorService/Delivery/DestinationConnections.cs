using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using DistributorService.Destinations;
using DistributorService.Options;
using Microsoft.Extensions.Options;

namespace DistributorService.Delivery;

/// <summary>
/// One <see cref="SocketsHttpHandler"/> per destination (its own pool, connection limit = maxConcurrency, keep-alive expiry;
/// its rate limit is shared across instances, <see cref="DestinationRateLimiter"/>),
/// whose connect callback re-checks the resolved address against the SSRF guard. A settings change builds a new one;
/// the old one is disposed once nothing can still be using it.
/// </summary>
public sealed class DestinationConnections(
    SsrfGuard ssrf,
    IOptionsMonitor<DistributorOptions> options,
    TimeProvider time) : IDisposable
{
    private readonly ConcurrentDictionary<Guid, DestinationConnection> _connections = new();
    private readonly ConcurrentQueue<(DateTimeOffset DisposeAt, DestinationConnection Connection)> _retired = new();
    private readonly Lock _gate = new();

    public DestinationConnection For(DeliveryTarget target)
    {
        DisposeRetired();
        if (_connections.TryGetValue(target.Id, out var existing) && existing.Version == target.Version)
        {
            return existing;
        }

        lock (_gate)
        {
            if (_connections.TryGetValue(target.Id, out existing) && existing.Version == target.Version)
            {
                return existing;
            }

            var created = Create(target);
            _connections[target.Id] = created;
            if (existing is not null)
            {
                // In-flight attempts on the old settings finish within their timeout plus the permit wait.
                var grace = target.Timeout + options.CurrentValue.Delivery.PermitWait + TimeSpan.FromMinutes(1);
                _retired.Enqueue((time.GetUtcNow() + grace, existing));
            }

            return created;
        }
    }

    public void Forget(Guid destinationId)
    {
        if (_connections.TryRemove(destinationId, out var removed))
        {
            _retired.Enqueue((time.GetUtcNow() + TimeSpan.FromMinutes(10), removed));
        }
    }

    private DestinationConnection Create(DeliveryTarget target)
    {
        var delivery = options.CurrentValue.Delivery;
        var connectTimeout = delivery.ConnectTimeout < target.Timeout ? delivery.ConnectTimeout : target.Timeout;
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = target.MaxConcurrency,
            PooledConnectionLifetime = delivery.PooledConnectionLifetime,
            PooledConnectionIdleTimeout = delivery.PooledConnectionIdleTimeout,
            ConnectTimeout = connectTimeout,
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectCallback = ConnectAsync,
        };
        var concurrency = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = target.MaxConcurrency,
            QueueLimit = 10_000,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        return new DestinationConnection(target.Version, handler, concurrency);
    }

    /// <summary>Resolves the host and connects only to an address the SSRF guard allows (defeats DNS rebinding).</summary>
    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        string? refusal = null;
        foreach (var address in addresses)
        {
            refusal = ssrf.Refusal(host, address);
            if (refusal is not null)
            {
                continue;
            }

            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw new SsrfBlockedException($"Destination host '{host}' resolves only to refused addresses ({refusal ?? "none"}).");
    }

    private void DisposeRetired()
    {
        var now = time.GetUtcNow();
        while (_retired.TryPeek(out var head) && head.DisposeAt <= now && _retired.TryDequeue(out var due))
        {
            due.Connection.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var connection in _connections.Values)
        {
            connection.Dispose();
        }

        while (_retired.TryDequeue(out var retired))
        {
            retired.Connection.Dispose();
        }
    }
}
