namespace WebhookSink;

/// <summary>Snapshot of the sink's counters; also the body of <c>GET /_sink/stats</c>.</summary>
public sealed record SinkStats(int Requests, int TokenRequests, int CancelledRequests, int InFlight, int MaxConcurrentObserved);
