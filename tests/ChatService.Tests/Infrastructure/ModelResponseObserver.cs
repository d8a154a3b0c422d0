using System.Diagnostics.Metrics;
using System.Globalization;

namespace ChatService.Tests.Infrastructure;

/// <summary>
/// Completes when an in-process HttpClient received the response headers of a POST to the given loopback port
/// (<c>http.client.request.duration</c> of <c>System.Net.Http</c> is recorded when the headers arrive). The Ollama
/// simulator sends its headers together with the first streamed line, so this tells that tokens are flowing.
/// </summary>
public sealed class ModelResponseObserver : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly TaskCompletionSource _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _port;

    public ModelResponseObserver(int port)
    {
        _port = port.ToString(CultureInfo.InvariantCulture);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "System.Net.Http" && instrument.Name == "http.client.request.duration")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, _, tags, _) => OnMeasurement(tags));
        _listener.Start();
    }

    public Task WaitAsync(TimeSpan timeout) => _seen.Task.WaitAsync(timeout);

    private void OnMeasurement(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? port = null;
        string? method = null;
        foreach (var tag in tags)
        {
            switch (tag.Key)
            {
                case "server.port":
                    port = Convert.ToString(tag.Value, CultureInfo.InvariantCulture);
                    break;
                case "http.request.method":
                    method = tag.Value as string;
                    break;
            }
        }

        if (port == _port && method == "POST")
        {
            _seen.TrySetResult();
        }
    }

    public void Dispose() => _listener.Dispose();
}
