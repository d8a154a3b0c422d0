using System.Diagnostics;
using StackExchange.Redis;

namespace Ceilings;

/// <summary>
/// Redis Streams through StackExchange.Redis: XADD of 1 KB entries with <c>inFlight</c> commands pipelined on the
/// multiplexer, then XREADGROUP COUNT 100 + one XACK per batch with 4 consumers until the stream is drained.
/// </summary>
public static class RedisCeiling
{
    public static async Task<IReadOnlyList<Figure>> MeasureAsync(string configuration, int messages, int inFlight, CancellationToken cancellationToken)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(configuration);
        var db = redis.GetDatabase();
        var stream = (RedisKey)$"ceilings:{Guid.NewGuid():N}";
        var payload = new string('x', 1024);
        try
        {
            var stopwatch = Stopwatch.StartNew();
            var window = new List<Task>(inFlight);
            for (var i = 0; i < messages; i++)
            {
                window.Add(db.StreamAddAsync(stream, "data", payload));
                if (window.Count == inFlight)
                {
                    await Task.WhenAll(window);
                    window.Clear();
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }

            await Task.WhenAll(window);
            var xadd = messages / stopwatch.Elapsed.TotalSeconds;

            await db.StreamCreateConsumerGroupAsync(stream, "ceilings", StreamPosition.Beginning);
            long read = 0;
            stopwatch.Restart();
            var consumers = Enumerable.Range(0, 4).Select(async c =>
            {
                while (true)
                {
                    var entries = await db.StreamReadGroupAsync(stream, "ceilings", $"c{c}", StreamPosition.NewMessages, 100);
                    if (entries.Length == 0)
                    {
                        return;
                    }

                    await db.StreamAcknowledgeAsync(stream, "ceilings", entries.Select(e => e.Id).ToArray());
                    Interlocked.Add(ref read, entries.Length);
                }
            });
            await Task.WhenAll(consumers);
            var readRate = read / stopwatch.Elapsed.TotalSeconds;
            var pending = await db.StreamPendingAsync(stream, "ceilings");
            return
            [
                new Figure("redis-xadd", xadd, "msg/s", Notes: $"{messages:N0} × 1 KB, {inFlight} in flight (pipelined)"),
                new Figure("redis-xreadgroup-xack", readRate, "msg/s",
                    Notes: $"XREADGROUP COUNT 100 + XACK per batch, 4 consumers; read {read:N0}, pending after {pending.PendingMessageCount}"),
            ];
        }
        finally
        {
            await db.KeyDeleteAsync(stream);
        }
    }
}
