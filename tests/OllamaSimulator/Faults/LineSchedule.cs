namespace OllamaSimulator;

/// <summary>
/// When each output line is due, measured from the start of the request so delays never accumulate.
/// Lines 0..n-1 are tokens, line n is the final (done) line or the whole non-streamed answer.
/// </summary>
internal sealed class LineSchedule(FaultSettings faults, int tokenCount, TimeProvider timeProvider, long startTimestamp)
{
    public async Task WaitForLineAsync(int line, CancellationToken cancellationToken)
    {
        var remaining = DueAt(line) - timeProvider.GetElapsedTime(startTimestamp);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining, timeProvider, cancellationToken);
        }
    }

    private TimeSpan DueAt(int line)
    {
        if (faults.FixedLatencyMs is { } total)
        {
            return TimeSpan.FromMilliseconds(total * (line + 1.0) / (tokenCount + 1.0));
        }

        // A gap after N tokens delays line N and every later line by GapMs (line N is the first one after the silence).
        var tokenGaps = Math.Max(0, Math.Min(line, tokenCount - 1));
        var gap = faults.GapAfterTokens is { } after && line >= after && after > 0 ? faults.GapMs : 0;
        return TimeSpan.FromMilliseconds(faults.FirstTokenDelayMs + ((double)tokenGaps * faults.TokenDelayMs) + gap);
    }
}
