using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatService.Activity;

/// <summary>
/// Fans activity events out to the connected clients of every replica through one Redis pub/sub channel.
/// When Redis is unavailable an event is delivered to this replica's subscribers only (best effort, never an error); a
/// publish is not waited for.
/// </summary>
public sealed class ActivityHub : IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<Guid, ActivitySubscription> _subscribers = new();
    private readonly IConnectionMultiplexer _redis;
    private readonly ActivityOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ActivityHub> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _subscribeLoop;
    private int _disposed;

    public ActivityHub(IConnectionMultiplexer redis, IOptions<ActivityOptions> options, TimeProvider time, IMeterFactory meters,
        ILogger<ActivityHub> logger)
    {
        _redis = redis;
        _options = options.Value;
        _time = time;
        _logger = logger;
        meters.Create("ChatService").CreateObservableGauge("chat.activity.subscribers", () => _subscribers.Count,
            description: "Connected activity-stream subscribers in this replica");
    }

    public int SubscriberCount => _subscribers.Count;

    private RedisChannel Channel => RedisChannel.Literal(_options.Channel);

    public ActivitySubscription Subscribe(string owner)
    {
        var subscription = new ActivitySubscription(owner, _options.SubscriberBuffer, s => _subscribers.TryRemove(s.Id, out _));
        _subscribers[subscription.Id] = subscription;
        return subscription;
    }

    /// <summary>Publishes a step of <paramref name="owner"/>; bounded by <see cref="ActivityOptions.PublishTimeout"/>, never throws for
    /// Redis.</summary>
    public async Task PublishAsync(string owner, string type, IReadOnlyDictionary<string, string?> data,
        CancellationToken cancellationToken)
    {
        var activityEvent = new ActivityEvent(type, _time.GetUtcNow(), data);
        if (_redis.IsConnected)
        {
            try
            {
                var payload = JsonSerializer.SerializeToUtf8Bytes(new ActivityEnvelope(owner, activityEvent), JsonSerializerOptions.Web);
                // why: FireAndForget: a chat turn publishes three steps and waited a Redis round trip for each; the steps are
                // best effort, and StackExchange.Redis sends them in order on one connection, so subscribers see them in order.
                // The command returns a completed task; the timeout bounds the call should the client ever queue it instead.
                await _redis.GetSubscriber().PublishAsync(Channel, payload, CommandFlags.FireAndForget)
                    .WaitAsync(_options.PublishTimeout, _time, cancellationToken);
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                _logger.LogDebug("Activity publish through Redis failed ({Error}); delivering locally", ex.Message);
            }
        }

        DeliverLocally(owner, activityEvent);
    }

    private void DeliverLocally(string owner, ActivityEvent activityEvent)
    {
        foreach (var subscription in _subscribers.Values)
        {
            if (subscription.Owner == owner)
            {
                subscription.Offer(activityEvent);
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscribeLoop = SubscribeUntilDoneAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    private async Task SubscribeUntilDoneAsync(CancellationToken cancellationToken)
    {
        // Redis may be down at start; once subscribed, StackExchange.Redis re-subscribes after reconnects by itself.
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await _redis.GetSubscriber().SubscribeAsync(Channel, (_, message) => OnMessage(message))
                    .WaitAsync(TimeSpan.FromSeconds(5), _time, cancellationToken);
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                _logger.LogWarning("Activity channel subscription failed ({Error}); retrying", ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(2), _time, cancellationToken);
            }
        }
    }

    private void OnMessage(RedisValue message)
    {
        try
        {
            if (JsonSerializer.Deserialize<ActivityEnvelope>(message.ToString(), JsonSerializerOptions.Web) is { } envelope)
            {
                DeliverLocally(envelope.Owner, envelope.Event);
            }
        }
        catch (JsonException ex)
        {
            _logger.LogWarning("Ignoring malformed activity message: {Error}", ex.Message);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // The host may stop services again after disposing them (WebApplicationFactory does): nothing left to stop then.
        if (Volatile.Read(ref _disposed) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        if (_subscribeLoop is { } loop)
        {
            try
            {
                await loop.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                _logger.LogDebug("Activity subscription loop stopped");
            }
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _stopping.Dispose();
        }
    }
}
