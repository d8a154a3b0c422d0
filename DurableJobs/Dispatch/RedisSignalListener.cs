using DurableJobs.Workers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DurableJobs.Dispatch;

/// <summary>
/// Subscribes to <c>jobs:cancel</c> (cancel requests for running jobs) and to the wake channel of every queue this
/// process runs. Keeps trying while Redis is down; once subscribed, the multiplexer restores the subscriptions after
/// reconnects. Losing a message only costs time: heartbeats see the cancel flag, idle workers poll.
/// </summary>
internal sealed partial class RedisSignalListener(
    RedisLink redis,
    QueueRegistry registry,
    QueueWakeups wakeups,
    RunningJobs running,
    IOptions<DurableJobsOptions> options,
    TimeProvider time,
    ILogger<RedisSignalListener> logger) : BackgroundService
{
    private readonly List<(RedisChannel Channel, Action<RedisChannel, RedisValue> Handler)> _subscribed = [];
    private readonly Lock _gate = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!redis.IsConfigured)
        {
            return;
        }

        var wanted = new List<(RedisChannel, Action<RedisChannel, RedisValue>)>
        {
            (RedisChannel.Literal(JobKeys.CancelChannel), (_, message) => OnCancel(message)),
        };
        foreach (var queue in registry.Names.Where(registry.RunsHere))
        {
            wanted.Add((RedisChannel.Literal(JobKeys.WakeChannel(queue)), (_, _) => wakeups.Signal(queue)));
        }

        var next = 0;
        while (next < wanted.Count && !stoppingToken.IsCancellationRequested)
        {
            try
            {
                var (channel, handler) = wanted[next];
                await redis.BoundAsync(redis.Subscriber.SubscribeAsync(channel, handler), stoppingToken).ConfigureAwait(false);
                lock (_gate)
                {
                    _subscribed.Add(wanted[next]);
                }

                next++;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (RedisLink.IsOutage(ex) || ex is RedisException)
            {
                LogSubscribeFailed(logger, options.Value.RedisRetryInterval, ex);
                try
                {
                    await Task.Delay(options.Value.RedisRetryInterval, time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);

        // StopAsync can run more than once (host stop, then dispose): each call takes what is left, so no call
        // enumerates a list another one is clearing.
        (RedisChannel Channel, Action<RedisChannel, RedisValue> Handler)[] subscribed;
        lock (_gate)
        {
            subscribed = [.. _subscribed];
            _subscribed.Clear();
        }

        foreach (var (channel, handler) in subscribed)
        {
            try
            {
                await redis.BoundAsync(redis.Subscriber.UnsubscribeAsync(channel, handler), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (RedisLink.IsOutage(ex) || ex is RedisException or OperationCanceledException)
            {
                LogUnsubscribeFailed(logger, ex);
            }
        }
    }

    private void OnCancel(RedisValue message)
    {
        if (Guid.TryParse((string?)message, out var id) && running.RequestCancel(id))
        {
            LogCancelSignalled(logger, id);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Subscribing to job signals failed; retrying in {RetryInterval} (cancel requests still arrive with heartbeats)")]
    private static partial void LogSubscribeFailed(ILogger logger, TimeSpan retryInterval, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Unsubscribing from job signals failed during shutdown")]
    private static partial void LogUnsubscribeFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cancel request for running job {JobId} signalled to its handler")]
    private static partial void LogCancelSignalled(ILogger logger, Guid jobId);
}
