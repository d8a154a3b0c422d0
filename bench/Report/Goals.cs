namespace Report;

/// <summary>How a goal compares its checked value (the figure, or figure ÷ ceiling) with the target.</summary>
public enum Comparison
{
    AtLeast,
    AtMost,

    /// <summary>Shown for information, never met or not met.</summary>
    Informational,
}

/// <summary>
/// One goal of the report's first table. <see cref="Figure"/> is looked up in <see cref="Program"/>'s result of each run;
/// the checked value is the figure ÷ the ceiling of the same run when <see cref="Ceiling"/> (a figure of
/// <see cref="CeilingProgram"/>, default the same program) or <see cref="FixedCeiling"/> is given, else the figure itself.
/// <see cref="Reference"/> names a figure of the same program shown beside it without dividing (e.g. the direct calls' efficiency).
/// </summary>
public sealed record Goal(
    string Title,
    string Issue,
    string Program,
    string Figure,
    Comparison Comparison,
    double Target,
    string? Ceiling = null,
    string? CeilingProgram = null,
    double? FixedCeiling = null,
    string? FixedCeilingLabel = null,
    string? Reference = null)
{
    public bool HasCeiling => Ceiling is not null || FixedCeiling is not null;

    public bool IsMet(double checkedValue) => Comparison switch
    {
        Comparison.AtLeast => checkedValue >= Target,
        Comparison.AtMost => checkedValue <= Target,
        _ => throw new InvalidOperationException($"goal '{Title}' is informational"),
    };
}

/// <summary>Every goal the report checks, in one place (issues 18, 19 and 20); figure names are the bench programs' JSON names.</summary>
public static class Goals
{
    public static IReadOnlyList<Goal> All { get; } =
    [
        new("chat, instant LLM (c=32) ÷ Chroma top-5 query direct", "19", "ChatBench", "chat-instant-llm", Comparison.AtLeast, 0.5,
            Ceiling: "chroma-query-direct"),
        new("↳ the most chat ÷ Chroma can reach at this run's CPU per chat (cores ÷ CPU per chat ÷ Chroma ceiling)", "19", "ChatBench",
            "chat-vs-chroma-cpu-bound", Comparison.Informational, 0),
        new("chat, 200 ms LLM ÷ simulator direct at 200 ms", "19", "ChatBench", "chat-fixed-200ms-llm", Comparison.AtLeast, 0.9,
            Ceiling: "sim-direct-fixed-200ms"),
        new("chat c=1: overhead over the two model calls, p50", "19", "ChatBench", "chat-c1-overhead-p50", Comparison.AtMost, 5),
        new("evaluation efficiency (ideal ÷ run time; direct calls beside it)", "19", "EvaluationBench", "evaluation-efficiency",
            Comparison.AtLeast, 0.95, Reference: "sim-direct-efficiency"),
        new("jobs end to end ÷ own PostgreSQL claim ceiling", "19", "JobsBench", "jobs-completed", Comparison.AtLeast, 0.5,
            Ceiling: "own-postgres-claim"),
        new("deliveries, fast sink, burst ÷ own PostgreSQL commits", "19", "DistributorBench", "deliveries-fast-burst",
            Comparison.AtLeast, 0.2, Ceiling: "own-postgres-commits"),
        new("↳ the most deliveries ÷ commits can reach at this run's PostgreSQL CPU per delivery, with every core for PostgreSQL",
            "19", "DistributorBench", "deliveries-fast-burst-postgres-cpu-bound", Comparison.Informational, 0),
        new("↳ PostgreSQL rows written per delivery, fast burst (the ceiling's commit writes 1)", "19", "DistributorBench",
            "postgres-rows-per-delivery-fast-burst", Comparison.Informational, 0),
        new("deliveries, offered 1,000/s sustained: delivered ÷ offered", "19", "DistributorBench", "deliveries-fast-sustained",
            Comparison.AtLeast, 0.9, FixedCeiling: 1000, FixedCeilingLabel: "offered 1,000/s"),
        new("deliveries, offered 1,000/s sustained: no growing backlog (last quarter's backlog above the first's: 1 = grew)",
            "19", "DistributorBench", "backlog-fast-sustained-grew", Comparison.AtMost, 0),
        new("deliveries, offered 1,000/s sustained: accepted→delivered p95 ≤ 1 s (stricter than the issue: no backlog at all)",
            "19", "DistributorBench", "accepted-to-delivered-fast-sustained-p95", Comparison.AtMost, 1000),
        new("/health/ready p99, 200 chats on a hung LLM", "19", "ChatBench", "health-ready-p99-hung-llm", Comparison.AtMost, 50),
        new("noisy neighbour: fast destination p95 beside a hanging one ÷ alone", "18", "DistributorBench-noisy-neighbour",
            "noisy-neighbour-fast-p95-with-hanging", Comparison.AtMost, 2, Ceiling: "noisy-neighbour-fast-p95-alone"),
        new("retrieval, full text only: hit@5", "20", "RetrievalBench", "retrieval-full-text-hit@5", Comparison.Informational, 0),
        new("retrieval, full text only: MRR", "20", "RetrievalBench", "retrieval-full-text-mrr", Comparison.Informational, 0),
        new("retrieval, vectors only: hit@5", "20", "RetrievalBench", "retrieval-vector-hit@5", Comparison.Informational, 0),
        new("retrieval, vectors only: MRR", "20", "RetrievalBench", "retrieval-vector-mrr", Comparison.Informational, 0),
        new("retrieval, hybrid: hit@5", "20", "RetrievalBench", "retrieval-hybrid-hit@5", Comparison.Informational, 0),
        new("retrieval, hybrid: MRR", "20", "RetrievalBench", "retrieval-hybrid-mrr", Comparison.Informational, 0),
        new("embeddings/s ÷ single-thread ONNX ceiling", "20", "RetrievalBench", "embeddings-generator", Comparison.Informational, 0,
            Ceiling: "embeddings-onnx-1-thread-ceiling"),
    ];
}
