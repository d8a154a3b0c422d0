namespace SystemTests.Faults;

/// <summary>An API-level assertion made while the fault holds (see <see cref="ApiChecks"/>).</summary>
public enum ApiCheck
{
    /// <summary>POST /api/chat (budget 8 s) → 200, a normal (not degraded) answer.</summary>
    ChatAnswers,

    /// <summary>POST /api/chat (budget 8 s) → 200 with <c>degraded: true</c>, within the budget.</summary>
    ChatAnswersDegraded,

    /// <summary>POST /api/chat → 503 problem with <c>code: DEPENDENCY_UNAVAILABLE</c>, within the budget.</summary>
    ChatRefusedDependencyUnavailable,

    /// <summary>POST /api/events on the distributor → 202 (stored in PostgreSQL; dispatch by the sweeper).</summary>
    IntakeAccepted,

    /// <summary>POST /api/events on the distributor → 503 with <c>DEPENDENCY_UNAVAILABLE</c>: never accept what cannot be stored.</summary>
    IntakeRefused,

    /// <summary>GET /api/suites on evaluation → 503 with <c>DEPENDENCY_UNAVAILABLE</c>.</summary>
    EvaluationRefused,

    /// <summary>
    /// POST /api/chat (budget 8 s) on a stalled model → 200 <c>partial: true</c> within the budget; meanwhile another user
    /// is served within 1 s.
    /// </summary>
    ChatAnswersPartial,

    /// <summary>POST /api/chat with <c>Accept: text/event-stream</c> (budget 8 s) → the stream ends with an <c>error</c> event, <c>partial:
    /// true</c>, within the budget.</summary>
    ChatStreamEndsPartial,

    /// <summary>POST /v1/chat/completions (budget 8 s), whole and streamed → 200, <c>finish_reason: length</c>, within the
    /// budget.</summary>
    OpenAiEndsWithinBudget,

    /// <summary>A chat task generating on the stalled model is cancelled → <c>cancelled</c> within 5 s.</summary>
    ChatTaskCancelled,

    /// <summary>An evaluation run whose case is generating on the stalled model is cancelled → <c>cancelled</c> within 5 s.</summary>
    EvaluationRunCancelled,

    /// <summary>
    /// POST /api/chat, JSON and SSE at once (budget 60 s), on a model silent for 40 s after two tokens → partial answers
    /// when the 20 s idle bound fires, not when the next token arrives.
    /// </summary>
    ChatEndsAtIdleBound,
}
