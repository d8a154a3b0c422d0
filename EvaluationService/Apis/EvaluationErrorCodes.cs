namespace EvaluationService.Apis;

/// <summary>Problem codes specific to EvaluationService (the shared ones are in ServiceDefaults.Problems.ErrorCodes).</summary>
public static class EvaluationErrorCodes
{
    public const string EmptySuite = "EMPTY_SUITE";
    public const string SuiteNotReady = "SUITE_NOT_READY";
    public const string MalformedImport = "MALFORMED_IMPORT";
    public const string LlmNotConfigured = "LLM_NOT_CONFIGURED";
    public const string RunFinished = "RUN_FINISHED";
}
