using System.Collections.Concurrent;
using DistributorService.Options;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DistributorService.Delivery;

/// <summary>
/// A destination's <c>rateLimitPerSecond</c>, shared by every instance: a sliding-window log in Redis (one sorted set per
/// destination, one Lua script per acquire, Redis's own clock), so no window of the destination's length ever holds more
/// requests than the limit, from the first second on and across replicas. When Redis cannot answer within
/// <see cref="DeliveryOptions.RateLimitRedisTimeout"/> the instance falls back to the same window kept in memory (each
/// instance then sends up to the limit: N replicas, N× the limit) for <see cref="DeliveryOptions.RateLimitRedisRetry"/>,
/// logs it once, and tries Redis again.
/// </summary>
public sealed partial class DestinationRateLimiter(
    IServiceProvider services,
    IOptionsMonitor<DistributorOptions> options,
    TimeProvider time,
    ILogger<DestinationRateLimiter> logger)
{
    // KEYS[1] the destination's window; ARGV: limit, window (µs), a unique member. Returns 0 when taken, else µs to wait.
    private const string Script = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local limit = tonumber(ARGV[1])
        local window = tonumber(ARGV[2])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
        if redis.call('ZCARD', KEYS[1]) < limit then
          redis.call('ZADD', KEYS[1], now, ARGV[3])
          redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1000)
          return 0
        end
        local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
        return math.max(1, tonumber(oldest[2]) + window - now + 1)
        """;

    private readonly IConnectionMultiplexer? _redis = services.GetService<IConnectionMultiplexer>();
    private readonly ConcurrentDictionary<Guid, LocalWindow> _local = new();
    private long _redisDownUntil;

    /// <summary>The Redis key of a destination's window.</summary>
    public static string KeyOf(Guid destinationId) => $"distributor:rate:{destinationId}";

    /// <summary>Requests allowed per window and the window: ⌊rate⌋ per second, or one per 1/rate seconds below 1/s.</summary>
    public static (int Limit, TimeSpan Window) WindowOf(double perSecond) =>
        perSecond >= 1 ? ((int)Math.Floor(perSecond), TimeSpan.FromSeconds(1)) : (1, TimeSpan.FromSeconds(1 / perSecond));

    /// <summary>True while the shared limiter is bypassed after a Redis failure (this instance counts alone).</summary>
    public bool UsingFallback => time.GetTimestamp() < Volatile.Read(ref _redisDownUntil) || _redis is not { IsConnected: true };

    /// <summary>Waits for a request slot of the destination's rate; throws <see cref="OperationCanceledException"/> when the token fires
    /// first.</summary>
    public async Task AcquireAsync(Guid destinationId, double perSecond, CancellationToken cancellationToken)
    {
        var (limit, window) = WindowOf(perSecond);
        while (true)
        {
            var wait = await TryAcquireAsync(destinationId, limit, window, cancellationToken);
            if (wait is not { } delay)
            {
                return;
            }

            await Task.Delay(delay, time, cancellationToken);
        }
    }

    /// <summary>Null when a request may go now, else how long until the window has room.</summary>
    public async Task<TimeSpan?> TryAcquireAsync(Guid destinationId, int limit, TimeSpan window, CancellationToken cancellationToken)
    {
        if (!UsingFallback)
        {
            var call = _redis!.GetDatabase().ScriptEvaluateAsync(Script, [KeyOf(destinationId)],
                [limit, (long)(window.TotalMilliseconds * 1000), Guid.NewGuid().ToString("N")]);
            try
            {
                var waitMicroseconds = (long)await call.WaitAsync(options.CurrentValue.Delivery.RateLimitRedisTimeout, time,
                    cancellationToken);
                return waitMicroseconds <= 0 ? null : TimeSpan.FromMicroseconds(waitMicroseconds);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // why: a late fault of the abandoned call is observed, not left unobserved.
                _ = call.ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
                var retry = options.CurrentValue.Delivery.RateLimitRedisRetry;
                Volatile.Write(ref _redisDownUntil, time.GetTimestamp() + (long)(retry.TotalSeconds * time.TimestampFrequency));
                LogFallback(retry.TotalSeconds, ex);
            }
        }

        return _local.GetOrAdd(destinationId, static _ => new LocalWindow()).TryAcquire(limit, window, time);
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning,
        Message = "Redis did not answer the shared rate limiter; destinations' rate limits are counted per instance for {Seconds} s")]
    private partial void LogFallback(double seconds, Exception exception);

    /// <summary>The same sliding window in memory: the fallback while Redis is unusable.</summary>
    private sealed class LocalWindow
    {
        private readonly Lock _gate = new();
        private readonly Queue<long> _sent = new();

        public TimeSpan? TryAcquire(int limit, TimeSpan window, TimeProvider time)
        {
            lock (_gate)
            {
                var now = time.GetTimestamp();
                while (_sent.Count > 0 && time.GetElapsedTime(_sent.Peek(), now) >= window)
                {
                    _sent.Dequeue();
                }

                if (_sent.Count < limit)
                {
                    _sent.Enqueue(now);
                    return null;
                }

                return window - time.GetElapsedTime(_sent.Peek(), now) + TimeSpan.FromMilliseconds(1);
            }
        }
    }
}
