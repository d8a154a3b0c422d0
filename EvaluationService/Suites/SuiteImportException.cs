namespace EvaluationService.Suites;

/// <summary>An import that cannot be read; the message names the offending line (answered 400).</summary>
public sealed class SuiteImportException(int line, string message) : Exception($"line {line}: {message}")
{
    public int Line { get; } = line;
}
