namespace EvaluationService.Data;

/// <summary>One test question of a suite with what a good answer contains.</summary>
public sealed class SuiteCase
{
    public Guid Id { get; set; }

    public Guid SuiteId { get; set; }

    public int Ordinal { get; set; }

    public required string Question { get; set; }

    public string? ExpectedAnswer { get; set; }

    public List<string> ExpectedKeywords { get; set; } = [];

    /// <summary>Document ids or titles that should be cited.</summary>
    public List<string> ExpectedSources { get; set; } = [];

    public List<string> Tags { get; set; } = [];
}
