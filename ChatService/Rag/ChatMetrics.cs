using System.Diagnostics.Metrics;

namespace ChatService.Rag;

/// <summary>Product metrics of the chat pipeline (meter <c>ChatService</c>).</summary>
public sealed class ChatMetrics
{
    private readonly Counter<long> _answers;
    private readonly Counter<long> _rejected;
    private readonly Histogram<double> _firstToken;
    private readonly Histogram<double> _generation;

    public ChatMetrics(IMeterFactory meters)
    {
        var meter = meters.Create("ChatService");
        _answers = meter.CreateCounter<long>("chat.answers",
            description: "Chat answers by outcome (complete, partial, degraded, cached, cancelled, unavailable)");
        _rejected = meter.CreateCounter<long>("chat.rejected", description: "Chat requests refused by load shedding");
        var buckets = new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120] };
        _firstToken = meter.CreateHistogram("chat.generation.time_to_first_token", "s",
            "From sending the prompt to the model to its first token", advice: buckets);
        _generation = meter.CreateHistogram("chat.generation.duration", "s",
            "A generation from sending the prompt to its end, by outcome", advice: buckets);
    }

    /// <summary>One generation: its time to first token (when one came) and its duration, by outcome.</summary>
    public void Generated(TimeSpan duration, long? firstTokenMs, string outcome)
    {
        if (firstTokenMs is { } ms)
        {
            _firstToken.Record(ms / 1000.0);
        }

        _generation.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));
    }

    public void Answered(string outcome) => _answers.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Rejected() => _rejected.Add(1);
}
