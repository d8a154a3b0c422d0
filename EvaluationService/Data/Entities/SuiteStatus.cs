namespace EvaluationService.Data.Entities;

public static class SuiteStatus
{
    public const string Ready = "ready";
    public const string Generating = "generating";
    public const string Failed = "failed";
}
