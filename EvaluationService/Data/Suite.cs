namespace EvaluationService.Data;

/// <summary>A named set of test questions owned by one user. Soft-deleted so past runs keep their questions.</summary>
public sealed class Suite
{
    public Guid Id { get; set; }

    public required string Owner { get; set; }

    public required string Name { get; set; }

    public string? Description { get; set; }

    /// <summary><see cref="SuiteStatus"/>: ready, generating or failed (generation).</summary>
    public string Status { get; set; } = SuiteStatus.Ready;

    /// <summary>api, import or generated.</summary>
    public string Origin { get; set; } = "api";

    /// <summary>Generation outcome (jsonb): proposed, accepted, discarded, errors.</summary>
    public string? GenerationReport { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? DeletedAt { get; set; }

    public List<SuiteCase> Cases { get; set; } = [];
}
