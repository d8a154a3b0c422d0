namespace SystemTests.Harness;

/// <summary>One probe answer: HTTP status (0 = no answer), the reported health status, the time it took, the body.</summary>
public sealed record ProbeResult(int Code, string? Status, TimeSpan Elapsed, string Body)
{
    public override string ToString() => $"{Code} {Status} in {Elapsed.TotalMilliseconds:0} ms";
}
