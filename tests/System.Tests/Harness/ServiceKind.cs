namespace SystemTests.Harness;

/// <summary>The three services of the system, by their project (and assembly) name.</summary>
public enum ServiceKind
{
    ChatService,
    EvaluationService,
    DistributorService,
}
