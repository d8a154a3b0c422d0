using System.Diagnostics.Metrics;

namespace ChatService.Rag;

/// <summary>Product metrics of the chat pipeline (meter <c>ChatService</c>).</summary>
public sealed class ChatMetrics
{
    private readonly Counter<long> _answers;
    private readonly Counter<long> _rejected;

    public ChatMetrics(IMeterFactory meters)
    {
        var meter = meters.Create("ChatService");
        _answers = meter.CreateCounter<long>("chat.answers", description: "Chat answers by outcome (complete, partial, degraded, cached, cancelled, unavailable)");
        _rejected = meter.CreateCounter<long>("chat.rejected", description: "Chat requests refused by load shedding");
    }

    public void Answered(string outcome) => _answers.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Rejected() => _rejected.Add(1);
}
