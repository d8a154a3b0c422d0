namespace OllamaSimulator;

/// <summary>
/// One fault profile, applied to every request of its target (chat/generate or embed).
/// Immutable: switch faults by assigning a new instance to <see cref="SimulatorFaults"/>.
/// Order of evaluation: busy → error status → hang → delays → mid-stream faults.
/// </summary>
public sealed record FaultSettings
{
    public static FaultSettings None { get; } = new();

    /// <summary>Wait before the first line (before the response headers, as Ollama sends them with the first line).</summary>
    public int FirstTokenDelayMs { get; init; }

    /// <summary>Wait between two token lines.</summary>
    public int TokenDelayMs { get; init; }

    /// <summary>
    /// Benchmark mode: the response takes this long in total, tokens evenly spread over it; replaces the two delays above.
    /// </summary>
    public int? FixedLatencyMs { get; init; }

    /// <summary>Never answer; the request ends only when the client disconnects (counted in CancelledRequests).</summary>
    public bool Hang { get; init; }

    /// <summary>Answer this status with <c>{"error": ErrorMessage}</c> before any line is streamed.</summary>
    public int? ErrorStatus { get; init; }

    public string ErrorMessage { get; init; } = "simulated failure";

    /// <summary>After N token lines, send <c>{"error": ErrorMessage}</c> and end the stream without a done line (status stays
    /// 200).</summary>
    public int? ErrorLineAfterTokens { get; init; }

    /// <summary>After N token lines, abort the TCP connection (no done line, no chunked terminator).</summary>
    public int? CutAfterTokens { get; init; }

    /// <summary>After N token lines, send one line of truncated JSON, then carry on normally.</summary>
    public int? MalformedLineAfterTokens { get; init; }

    /// <summary>
    /// After N token lines (streaming) or after the headers and half the body (non-streaming, embeddings), stop
    /// sending and hold the connection open and silent until the client leaves: a stalled GPU, a wedged runner, a proxy
    /// that stopped forwarding. The request ends only by the client closing it (counted in CancelledRequests).
    /// </summary>
    public int? StallAfterTokens { get; init; }

    /// <summary>After N token lines, wait <see cref="GapMs"/> before the next line, then carry on normally.</summary>
    public int? GapAfterTokens { get; init; }

    /// <summary>Length of the silence of <see cref="GapAfterTokens"/>.</summary>
    public int GapMs { get; init; }

    /// <summary>Answer 503 "server busy" when more than this many model requests are in flight (0 = always busy).</summary>
    public int? BusyAboveConcurrency { get; init; }

    internal IEnumerable<string> Problems()
    {
        if (FirstTokenDelayMs < 0 || TokenDelayMs < 0 || FixedLatencyMs < 0 || GapMs < 0)
        {
            yield return "delays must not be negative";
        }

        if (ErrorStatus is < 400 or > 599)
        {
            yield return "errorStatus must be between 400 and 599";
        }

        if (ErrorLineAfterTokens < 0 || CutAfterTokens < 0 || MalformedLineAfterTokens < 0 || BusyAboveConcurrency < 0
            || StallAfterTokens < 0 || GapAfterTokens < 0)
        {
            yield return "token counts and concurrency must not be negative";
        }
    }
}
