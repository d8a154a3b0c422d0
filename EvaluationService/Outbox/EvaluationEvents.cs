namespace EvaluationService.Outbox;

/// <summary>EvaluationService's events outbox (DurableJobs/Events): queue names are unique across the services' shared Redis.</summary>
public static class EvaluationEvents
{
    public const string Queue = "evaluation-events";
}
