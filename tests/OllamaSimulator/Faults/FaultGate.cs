namespace OllamaSimulator;

/// <summary>The faults that act before any output: busy, error status, hang.</summary>
internal static class FaultGate
{
    public const string BusyMessage = "server busy, please try again.  maximum pending requests exceeded";

    /// <summary>Returns true when the request was answered (or hung until cancelled) by a fault.</summary>
    public static async Task<bool> RejectedAsync(
        HttpContext context, FaultSettings faults, SimulatorState state, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        if (faults.BusyAboveConcurrency is { } limit && state.InFlight > limit)
        {
            await OllamaHttp.WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, BusyMessage, cancellationToken);
            return true;
        }

        if (faults.ErrorStatus is { } status)
        {
            await OllamaHttp.WriteErrorAsync(context, status, faults.ErrorMessage, cancellationToken);
            return true;
        }

        if (faults.Hang)
        {
            // Ends only by cancellation: the client leaving (counted by SimulatorState) or the server stopping.
            await Task.Delay(Timeout.InfiniteTimeSpan, timeProvider, cancellationToken);
        }

        return false;
    }
}
