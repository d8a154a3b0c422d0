namespace EvaluationService.Data;

/// <summary>Outcomes of a case. Only <see cref="Passed"/> and <see cref="Failed"/> judge the answer; the others are faults of the system
/// under test.</summary>
public static class CaseOutcome
{
    public const string Passed = "passed";
    public const string Failed = "failed";
    public const string SystemError = "system_error";
    public const string TimedOut = "timed_out";

    public static readonly string[] All = [Passed, Failed, SystemError, TimedOut];

    public static bool IsAnswered(string outcome) => outcome is Passed or Failed;
}
