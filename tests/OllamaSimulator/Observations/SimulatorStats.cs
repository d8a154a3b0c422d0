namespace OllamaSimulator;

/// <summary>Snapshot of the counters; also the body of <c>GET /_sim/stats</c>.</summary>
public sealed record SimulatorStats(
    int ChatRequests,
    int EmbedRequests,
    int CancelledRequests,
    int InFlight,
    int MaxConcurrentObserved,
    int ReceivedRequests);
