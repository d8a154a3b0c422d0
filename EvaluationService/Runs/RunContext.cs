namespace EvaluationService.Runs;

/// <summary>What each case of a run needs to know about the run.</summary>
public sealed record RunContext(Guid RunId, string Owner, TimeSpan CaseTimeout);
