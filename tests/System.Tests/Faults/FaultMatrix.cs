using SystemTests.Harness;
using static SystemTests.Faults.ApiCheck;
using static SystemTests.Faults.Readiness;

namespace SystemTests.Faults;

/// <summary>
/// THE fault matrix: one row per dependency × fault (what every service guarantees while it holds). Adding a row adds a test
/// (<see cref="FaultMatrixTests"/>); README.md shows the same table.
/// </summary>
public static class FaultMatrix
{
    public static readonly IReadOnlyList<FaultCell> Cells =
    [
        //  dependency            fault            chat        evaluation  distributor  API cells                       quick
        new(Dependency.PostgreSql, Fault.Down,     NotReady,   NotReady,   NotReady,
            [ChatRefusedDependencyUnavailable, IntakeRefused, EvaluationRefused], true),
        new(Dependency.PostgreSql, Fault.Paused,   NotReady,   NotReady,   NotReady,    [IntakeRefused],                true),
        new(Dependency.PostgreSql, Fault.Slow,     Up,         Up,         Up,          [IntakeAccepted],               false),
        new(Dependency.PostgreSql, Fault.Erroring, NotReady,   NotReady,   NotReady,    [IntakeRefused],                false),
        new(Dependency.Redis,      Fault.Down,     Degraded,   Degraded,   Degraded,    [IntakeAccepted, ChatAnswers],  true),
        new(Dependency.Redis,      Fault.Paused,   Degraded,   Degraded,   Degraded,    [IntakeAccepted],               true),
        new(Dependency.Redis,      Fault.Slow,     Up,         Up,         Up,          [IntakeAccepted],               false),
        new(Dependency.Redis,      Fault.Erroring, Degraded,   Degraded,   Degraded,    [IntakeAccepted],               false),
        new(Dependency.Chroma,     Fault.Down,     Degraded,   Unaffected, Unaffected,  [ChatAnswers],                  true),
        new(Dependency.Chroma,     Fault.Paused,   Degraded,   Unaffected, Unaffected,  [ChatAnswers],                  false),
        new(Dependency.Chroma,     Fault.Slow,     Up,         Unaffected, Unaffected,  [],                             false),
        new(Dependency.Chroma,     Fault.Erroring, Degraded,   Unaffected, Unaffected,  [ChatAnswers],                  false),
        new(Dependency.Ollama,     Fault.Down,     Degraded,   Unaffected, Unaffected,  [ChatAnswersDegraded],          true),
        new(Dependency.Ollama,     Fault.Paused,   Degraded,   Unaffected, Unaffected,  [ChatAnswersDegraded],          true),
        new(Dependency.Ollama,     Fault.Slow,     Up,         Unaffected, Unaffected,  [],                             false),
        new(Dependency.Ollama,     Fault.Erroring, Degraded,   Unaffected, Unaffected,  [ChatAnswersDegraded],          false),
        new(Dependency.Ollama,     Fault.StalledMidStream, Up, Unaffected, Unaffected,
            [ChatAnswersPartial, ChatStreamEndsPartial, OpenAiEndsWithinBudget, ChatTaskCancelled, EvaluationRunCancelled], true),
        new(Dependency.Ollama,     Fault.GapBeyondIdle,    Up, Unaffected, Unaffected,  [ChatEndsAtIdleBound],          true),
    ];

    /// <summary>The theory data: every row with <c>SYSTEM_TESTS_FULL=1</c>, the quick rows otherwise.</summary>
    public static TheoryData<Dependency, Fault> Rows()
    {
        var data = new TheoryData<Dependency, Fault>();
        foreach (var cell in Cells.Where(c => c.Quick || SystemTestSettings.Full))
        {
            data.Add(cell.Dependency, cell.Fault);
        }

        return data;
    }

    public static FaultCell Find(Dependency dependency, Fault fault) =>
        Cells.Single(c => c.Dependency == dependency && c.Fault == fault);

    public static Readiness For(this FaultCell cell, ServiceKind service) => service switch
    {
        ServiceKind.ChatService => cell.Chat,
        ServiceKind.EvaluationService => cell.Evaluation,
        _ => cell.Distributor,
    };
}
