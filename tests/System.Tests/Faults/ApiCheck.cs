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
}
