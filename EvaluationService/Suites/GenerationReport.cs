namespace EvaluationService.Suites;

/// <summary>Stored with a generated suite: how many proposals were made, kept and discarded, and why.</summary>
public sealed record GenerationReport(int Chunks, int Proposed, int Accepted, int DiscardedQuoteNotFound, int DiscardedInvalid,
    int LlmErrors, IReadOnlyList<string> Errors);
