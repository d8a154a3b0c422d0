namespace SystemTests.Faults;

/// <summary>One row of the fault matrix: a dependency, a fault, and what each service must do meanwhile.</summary>
/// <param name="Quick">Part of the default run; the other rows run with <c>SYSTEM_TESTS_FULL=1</c>.</param>
public sealed record FaultCell(
    Dependency Dependency,
    Fault Fault,
    Readiness Chat,
    Readiness Evaluation,
    Readiness Distributor,
    ApiCheck[] Api,
    bool Quick);
