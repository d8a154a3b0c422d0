namespace EvaluationService.Data;

public static class SuiteStatus
{
    public const string Ready = "ready";
    public const string Generating = "generating";
    public const string Failed = "failed";
}
