using System.Collections.Concurrent;
using DistributorService.Data;
using DistributorService.Delivery;
using DistributorService.Intake;
using DistributorService.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DistributorService.Destinations;

/// <summary>
/// Short-lived in-memory view of the destinations, so intake does not query them for every event and deliveries do
/// not decrypt secrets for every attempt. Intake's subscriber list lives at most <see cref="DeliveryOptions.DestinationCacheTtl"/>
/// and is dropped at once when this instance changes a destination (other instances see the change within the TTL).
/// Delivery targets are keyed by the destination's version (<c>UpdatedAt</c>), which the handler reads from the
/// database on every attempt, so a changed destination is never delivered with stale settings.
/// </summary>
public sealed class DestinationCatalog(IServiceScopeFactory scopes, IOptionsMonitor<DistributorOptions> options, SecretProtector secrets,
    TimeProvider time)
{
    private const int MaxTypesPerSnapshot = 1024;
    private readonly ConcurrentDictionary<Guid, DeliveryTarget> _targets = new();
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private Snapshot? _snapshot;
    private long _generation;

    /// <summary>The enabled destinations subscribed to <paramref name="type"/> (or to all types), ordered by id. Read-only.</summary>
    public async Task<IReadOnlyList<Destination>> SubscribersAsync(string type, CancellationToken cancellationToken)
    {
        var ttl = options.CurrentValue.Delivery.DestinationCacheTtl;
        if (ttl <= TimeSpan.Zero)
        {
            return (await LoadAsync(cancellationToken)).Subscribers(type);
        }

        var snapshot = Volatile.Read(ref _snapshot);
        if (!IsFresh(snapshot, ttl))
        {
            await _refresh.WaitAsync(cancellationToken);
            try
            {
                snapshot = Volatile.Read(ref _snapshot);
                if (!IsFresh(snapshot, ttl))
                {
                    snapshot = await LoadAsync(cancellationToken);
                    Volatile.Write(ref _snapshot, snapshot);
                }
            }
            finally
            {
                _refresh.Release();
            }
        }

        return snapshot!.Subscribers(type);
    }

    /// <summary>The destination with its secrets decrypted, reused while its version is unchanged.</summary>
    public DeliveryTarget Target(Destination destination)
    {
        if (_targets.TryGetValue(destination.Id, out var cached) && cached.Version == destination.UpdatedAt)
        {
            return cached;
        }

        var target = DeliveryTarget.From(destination, secrets);
        _targets[destination.Id] = target;
        return target;
    }

    /// <summary>The cached target for this version, or null when the destination must be loaded first.</summary>
    public DeliveryTarget? CachedTarget(Guid destinationId, DateTimeOffset version) =>
        _targets.TryGetValue(destinationId, out var cached) && cached.Version == version ? cached : null;

    /// <summary>Called after this instance changed, paused, disabled or deleted a destination.</summary>
    public void Invalidate(Guid destinationId)
    {
        Interlocked.Increment(ref _generation);
        Volatile.Write(ref _snapshot, null);
        _targets.TryRemove(destinationId, out _);
    }

    private bool IsFresh(Snapshot? snapshot, TimeSpan ttl) =>
        snapshot is not null && snapshot.Generation == Interlocked.Read(ref _generation) && time.GetElapsedTime(snapshot.LoadedAt) < ttl;

    private async Task<Snapshot> LoadAsync(CancellationToken cancellationToken)
    {
        // Taken before the query: an invalidation while it runs makes this snapshot stale at once.
        var generation = Interlocked.Read(ref _generation);
        var loadedAt = time.GetTimestamp();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DistributorDbContext>();
        var enabled = await db.Destinations.AsNoTracking().Where(d => d.Enabled).OrderBy(d => d.Id).ToListAsync(cancellationToken);
        return new Snapshot(enabled, generation, loadedAt);
    }

    private sealed class Snapshot(List<Destination> enabled, long generation, long loadedAt)
    {
        private readonly ConcurrentDictionary<string, Destination[]> _byType = new(StringComparer.Ordinal);

        public long Generation { get; } = generation;

        public long LoadedAt { get; } = loadedAt;

        public IReadOnlyList<Destination> Subscribers(string type)
        {
            if (_byType.TryGetValue(type, out var known))
            {
                return known;
            }

            // why: a destination subscribes like a publisher is granted: exact types, prefixes ending in ".*" (document.*), or "*"
            var matching = enabled.Where(d => d.EventTypes.Any(pattern => PublisherOptions.Matches(pattern, type))).ToArray();
            if (_byType.Count < MaxTypesPerSnapshot)
            {
                _byType.TryAdd(type, matching);
            }

            return matching;
        }
    }
}
