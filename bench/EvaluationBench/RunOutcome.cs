namespace EvaluationBench;

/// <summary>
/// One evaluation run as the bench saw it: final status, cases with an answer, server-side and client-side duration,
/// each case's chat call (ms).
/// </summary>
internal sealed record RunOutcome(string Status, int Answered, TimeSpan ServerTime, TimeSpan ClientTime, double[] Latencies);
