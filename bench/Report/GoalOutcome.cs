namespace Report;

/// <summary>A goal's figure, ceiling and checked value in one run; null where the run did not measure them.</summary>
public sealed record GoalRun(int Run, double? Figure, double? Ceiling, double? Checked, bool? Met, double? Reference = null);

/// <summary>A goal across runs: met only when measured and met in every run; "not measured" when no run has its figure.</summary>
public sealed record GoalOutcome(Goal Goal, string? Unit, string? CeilingUnit, IReadOnlyList<GoalRun> Runs)
{
    public Spread? Figure => Spread.Of(Runs.Select(r => r.Figure));

    public Spread? Ceiling => Spread.Of(Runs.Select(r => r.Ceiling));

    public Spread? Reference => Spread.Of(Runs.Select(r => r.Reference));

    public Spread? Checked => Spread.Of(Runs.Select(r => r.Checked));

    public bool Measured => Runs.Any(r => r.Checked is not null);

    public int RunsMet => Runs.Count(r => r.Met == true);

    public bool Met => Goal.Comparison != Comparison.Informational && Measured && Runs.All(r => r.Met == true);

    public string Status => Goal.Comparison == Comparison.Informational
        ? Measured ? "informational" : "not measured"
        : !Measured ? "not measured"
        : Met ? $"met ({RunsMet}/{Runs.Count} runs)"
        : Runs.Any(r => r.Checked is null)
            ? $"**not met** (measured in {Runs.Count(r => r.Checked is not null)}/{Runs.Count} runs, met in {RunsMet})"
            : $"**not met** (met in {RunsMet}/{Runs.Count} runs)";

    public static GoalOutcome Evaluate(Goal goal, IReadOnlyList<Run> runs)
    {
        string? unit = null, ceilingUnit = goal.FixedCeiling is null ? null : goal.FixedCeilingLabel;
        var perRun = new List<GoalRun>();
        foreach (var run in runs)
        {
            var figure = run.Find(goal.Program, goal.Figure);
            unit ??= figure?.Unit;
            double? ceiling = goal.FixedCeiling;
            if (goal.Ceiling is { } name && run.Find(goal.CeilingProgram ?? goal.Program, name) is { } measured)
            {
                ceiling = measured.Value;
                ceilingUnit ??= measured.Unit;
            }

            double? value = figure?.Value;
            double? checkedValue = !goal.HasCeiling ? value
                : value is { } v && ceiling is { } c && c > 0 ? v / c
                : null;
            bool? met = checkedValue is { } x && goal.Comparison != Comparison.Informational ? goal.IsMet(x) : null;
            var reference = goal.Reference is { } r ? run.Find(goal.Program, r)?.Value : null;
            perRun.Add(new GoalRun(run.Number, value, goal.HasCeiling ? ceiling : null, checkedValue, met, reference));
        }

        return new GoalOutcome(goal, unit, ceilingUnit, perRun);
    }
}
