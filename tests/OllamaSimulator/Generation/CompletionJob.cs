using System.Globalization;

namespace OllamaSimulator;

/// <summary>An answer ready to be sent: its pieces, how it ends, and how to shape its lines (chat or generate).</summary>
internal sealed record CompletionJob(
    bool IsChat,
    string Model,
    IReadOnlyList<string> Tokens,
    bool Stream,
    string DoneReason,
    int PromptTokens,
    long StartTimestamp)
{
    private const long LoadNanoseconds = 1_000_000;
    private const long PromptEvalNanosecondsPerToken = 100_000;

    public CompletionLine TokenLine(string piece, DateTimeOffset now) => Line(piece, now) with { Done = false };

    /// <summary>The done line (streaming: empty content) or the whole answer (non-streaming).</summary>
    public CompletionLine FinalLine(string content, int evalCount, DateTimeOffset now, TimeSpan elapsed)
    {
        var total = Math.Max(1, elapsed.Ticks * 100);
        var promptEval = PromptTokens * PromptEvalNanosecondsPerToken;
        return Line(content, now) with
        {
            Done = true,
            DoneReason = DoneReason,
            TotalDuration = total,
            LoadDuration = LoadNanoseconds,
            PromptEvalCount = PromptTokens > 0 ? PromptTokens : null,
            PromptEvalDuration = PromptTokens > 0 ? promptEval : null,
            EvalCount = evalCount > 0 ? evalCount : null,
            EvalDuration = evalCount > 0 ? Math.Max(evalCount, total - LoadNanoseconds - promptEval) : null,
        };
    }

    private CompletionLine Line(string text, DateTimeOffset now) => new()
    {
        Model = Model,
        CreatedAt = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
        Message = IsChat ? new WireMessage("assistant", text) : null,
        Response = IsChat ? null : text,
    };
}
