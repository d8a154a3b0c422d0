namespace EvaluationService.Reports;

public sealed record TagStat(string Tag, int Answered, int Passed, double? PassRate);
