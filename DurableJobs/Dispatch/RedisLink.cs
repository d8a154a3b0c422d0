using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DurableJobs.Dispatch;

/// <summary>
/// The mechanism's view of Redis: the service's multiplexer (optional: without one, everything runs on PostgreSQL),
/// a bound on every call, and a short "down" window after a failure during which workers claim from PostgreSQL
/// instead of waiting on Redis. A Redis outage therefore delays work; it never blocks or loses it.
/// </summary>
internal sealed partial class RedisLink : IDisposable
{
    private readonly IConnectionMultiplexer? _multiplexer;
    private readonly TimeProvider _time;
    private readonly DurableJobsOptions _options;
    private readonly ILogger<RedisLink> _logger;
    private long _downUntil;
    private int _down;
    private int _epoch;

    public RedisLink(IServiceProvider services, TimeProvider time, IOptions<DurableJobsOptions> options, ILogger<RedisLink> logger)
    {
        _multiplexer = services.GetService(typeof(IConnectionMultiplexer)) as IConnectionMultiplexer;
        _time = time;
        _options = options.Value;
        _logger = logger;
        if (_multiplexer is not null)
        {
            _multiplexer.ConnectionRestored += OnConnectionRestored;
        }
    }

    public bool IsConfigured => _multiplexer is not null;

    /// <summary>Connected and not inside the back-off window after a failure.</summary>
    public bool IsUsable => _multiplexer is { IsConnected: true } && _time.GetTimestamp() >= Volatile.Read(ref _downUntil);

    /// <summary>Changes each time Redis comes back after an outage (the sweeper then re-dispatches everything queued).</summary>
    public int Epoch => Volatile.Read(ref _epoch);

    public IDatabase Database => (_multiplexer ?? throw new InvalidOperationException("No IConnectionMultiplexer is registered."))
        .GetDatabase();

    public ISubscriber Subscriber => (_multiplexer ?? throw new InvalidOperationException("No IConnectionMultiplexer is registered."))
        .GetSubscriber();

    public TimeSpan Timeout => _options.RedisTimeout;

    /// <summary>Awaits a Redis call with the mechanism's bound; a late fault of an abandoned call is observed, not left
    /// unobserved.</summary>
    public async Task<T> BoundAsync<T>(Task<T> call, CancellationToken cancellationToken)
    {
        try
        {
            var result = await call.WaitAsync(_options.RedisTimeout, _time, cancellationToken).ConfigureAwait(false);
            ReportSuccess();
            return result;
        }
        catch (TimeoutException)
        {
            Observe(call);
            throw;
        }
    }

    public async Task BoundAsync(Task call, CancellationToken cancellationToken)
    {
        try
        {
            await call.WaitAsync(_options.RedisTimeout, _time, cancellationToken).ConfigureAwait(false);
            ReportSuccess();
        }
        catch (TimeoutException)
        {
            Observe(call);
            throw;
        }
    }

    /// <summary>Whether an exception means "Redis is not answering" (as opposed to a bug or a server-side error reply).</summary>
    public static bool IsOutage(Exception exception) =>
        exception is RedisConnectionException or RedisTimeoutException or TimeoutException or ObjectDisposedException
        || (exception is AggregateException aggregate && aggregate.InnerExceptions.All(IsOutage));

    public void ReportFailure(Exception exception, string operation)
    {
        Volatile.Write(ref _downUntil, _time.GetTimestamp() + (long)(_options.RedisRetryInterval.TotalSeconds * _time.TimestampFrequency));
        if (Interlocked.Exchange(ref _down, 1) == 0)
        {
            LogRedisDown(_logger, operation, _options.RedisRetryInterval, exception);
        }
    }

    private void ReportSuccess()
    {
        if (Volatile.Read(ref _down) == 1 && Interlocked.Exchange(ref _down, 0) == 1)
        {
            Interlocked.Increment(ref _epoch);
            LogRedisBack(_logger);
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) => Interlocked.Increment(ref _epoch);

    private static void Observe(Task call) =>
        call.ContinueWith(static t => t.Exception, CancellationToken.None, // why: observes an abandoned call's fault; nothing waits
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    public void Dispose()
    {
        if (_multiplexer is not null)
        {
            _multiplexer.ConnectionRestored -= OnConnectionRestored;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Redis unavailable during {Operation}; jobs are claimed from PostgreSQL and dispatch is left to the sweeper, retrying " +
            "Redis every {RetryInterval}")]
    private static partial void LogRedisDown(ILogger logger, string operation, TimeSpan retryInterval, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis available again; dispatch resumes over streams")]
    private static partial void LogRedisBack(ILogger logger);
}
