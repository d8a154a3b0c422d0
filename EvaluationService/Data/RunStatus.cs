namespace EvaluationService.Data;

public static class RunStatus
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
    public const string TimedOut = "timed_out";

    public static bool IsTerminal(string status) => status is Succeeded or Failed or Cancelled or TimedOut;
}
