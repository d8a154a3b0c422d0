using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace ServiceDefaults.Data;

/// <summary>
/// Reads Npgsql's own connection-pool instruments (<c>db.client.connection*</c> on meter <c>Npgsql</c>) on demand,
/// for <c>/health/detailed</c> and for tests that assert the pool is idle after load.
/// </summary>
public sealed class DbPoolObserver : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _values = new();
    private readonly Lock _gate = new();

    public DbPoolObserver()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Npgsql" && instrument.Name.StartsWith("db.client.connection", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    private void Record(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = instrument.Name;
        foreach (var tag in tags)
        {
            if (tag.Key.EndsWith("state", StringComparison.Ordinal) || tag.Key.EndsWith("pool.name", StringComparison.Ordinal))
            {
                key += $"|{tag.Key}={tag.Value}";
            }
        }

        _values[key] = value;
    }

    /// <summary>Current values, e.g. <c>db.client.connection.count|db.client.connection.state=used|…</c>.</summary>
    public IReadOnlyDictionary<string, long> Snapshot()
    {
        lock (_gate)
        {
            _values.Clear();
            _listener.RecordObservableInstruments();
            return new SortedDictionary<string, long>(_values, StringComparer.Ordinal);
        }
    }

    /// <summary>Connections currently handed out (state <c>used</c>) across all pools.</summary>
    public long UsedConnections() =>
        Snapshot().Where(kv => kv.Key.Contains("state=used", StringComparison.Ordinal)).Sum(kv => kv.Value);

    public void Dispose() => _listener.Dispose();
}
