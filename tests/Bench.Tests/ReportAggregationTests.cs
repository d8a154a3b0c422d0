using Report;

namespace Bench.Tests;

public sealed class ReportAggregationTests
{
    private static Goal AtLeastHalfOfCeiling => new("jobs ÷ claim", "19", "JobsBench", "jobs-completed", Comparison.AtLeast, 0.5, Ceiling: "own-postgres-claim");

    [Fact]
    public void Median_of_an_odd_and_an_even_count_and_the_spread_ignore_runs_without_the_figure()
    {
        var odd = Spread.Of([30, null, 10, 20])!;
        Assert.Equal((20, 10, 30, 3), (odd.Median, odd.Min, odd.Max, odd.Count));
        Assert.Equal(1.0, odd.Relative, 9);

        var even = Spread.Of([4, 1, 3, 2])!;
        Assert.Equal(2.5, even.Median);
        Assert.Equal(1.2, even.Relative, 9);

        Assert.Equal(0, Spread.Of([7])!.Relative);
        Assert.Null(Spread.Of([null, null]));
    }

    [Fact]
    public void A_goal_divides_each_run_by_the_ceiling_of_the_same_run_and_takes_the_median_of_those_ratios()
    {
        using var raw = new RunsDirectory();
        raw.Write(1, "JobsBench", ("jobs-completed", 10, "jobs/s", null), ("own-postgres-claim", 20, "claims/s", null));
        raw.Write(2, "JobsBench", ("jobs-completed", 30, "jobs/s", null), ("own-postgres-claim", 100, "claims/s", null));

        var outcome = GoalOutcome.Evaluate(AtLeastHalfOfCeiling, Run.LoadAll(raw.Path));

        Assert.Equal([0.5, 0.3], outcome.Runs.Select(r => r.Checked!.Value));
        // Median of the per-run ratios (0.4), not the median figure ÷ the median ceiling (20 ÷ 60).
        Assert.Equal(0.4, outcome.Checked!.Median, 9);
        Assert.Equal(20, outcome.Figure!.Median);
        Assert.Equal(60, outcome.Ceiling!.Median);
    }

    [Fact]
    public void A_goal_is_met_only_when_it_is_met_in_every_run()
    {
        using var raw = new RunsDirectory();
        raw.Write(1, "JobsBench", ("jobs-completed", 60, "jobs/s", null), ("own-postgres-claim", 100, "claims/s", null));
        raw.Write(2, "JobsBench", ("jobs-completed", 40, "jobs/s", null), ("own-postgres-claim", 100, "claims/s", null));
        raw.Write(3, "JobsBench", ("jobs-completed", 70, "jobs/s", null), ("own-postgres-claim", 100, "claims/s", null));

        var outcome = GoalOutcome.Evaluate(AtLeastHalfOfCeiling, Run.LoadAll(raw.Path));

        Assert.Equal(0.6, outcome.Checked!.Median, 9);
        Assert.False(outcome.Met);
        Assert.Equal("**not met** (met in 2/3 runs)", outcome.Status);
    }

    [Fact]
    public void A_goal_met_in_every_run_is_met_and_an_at_most_goal_compares_the_figure_itself()
    {
        using var raw = new RunsDirectory();
        raw.Write(1, "ChatBench", ("health-ready-p99-hung-llm", 12, "ms", null));
        raw.Write(2, "ChatBench", ("health-ready-p99-hung-llm", 49, "ms", null));
        var goal = new Goal("ready p99", "19", "ChatBench", "health-ready-p99-hung-llm", Comparison.AtMost, 50);

        var outcome = GoalOutcome.Evaluate(goal, Run.LoadAll(raw.Path));

        Assert.True(outcome.Met);
        Assert.Equal("met (2/2 runs)", outcome.Status);
        Assert.Equal("ms", outcome.Unit);
    }

    [Fact]
    public void A_figure_no_run_has_is_not_measured_and_a_figure_missing_from_one_run_is_not_met()
    {
        using var raw = new RunsDirectory();
        raw.Write(1, "JobsBench", ("jobs-completed", 90, "jobs/s", null), ("own-postgres-claim", 100, "claims/s", null));
        raw.Write(2, "JobsBench", ("own-postgres-claim", 100, "claims/s", null));
        var runs = Run.LoadAll(raw.Path);

        var partly = GoalOutcome.Evaluate(AtLeastHalfOfCeiling, runs);
        Assert.False(partly.Met);
        Assert.Equal("**not met** (measured in 1/2 runs, met in 1)", partly.Status);

        var absent = GoalOutcome.Evaluate(new Goal("c=1", "19", "ChatBench", "chat-c1-overhead-p50", Comparison.AtMost, 5), runs);
        Assert.False(absent.Measured);
        Assert.Equal("not measured", absent.Status);
    }

    [Fact]
    public void The_report_opens_with_the_goals_table_listing_every_goal_even_unmeasured_ones_then_the_runs_with_their_load()
    {
        using var raw = new RunsDirectory();
        raw.Write(1, "Ceilings", ("postgres-claim", 5000, "claims/s", null));
        raw.Write(1, "JobsBench", ("jobs-completed", 600, "jobs/s", "postgres-claim"), ("own-postgres-claim", 1000, "claims/s", null));
        raw.WriteRunInfo(1, "3.50 2.00 1.00 5/400 1234");
        raw.Write(2, "Ceilings", ("postgres-claim", 4000, "claims/s", null));
        raw.Write(2, "JobsBench", ("jobs-completed", 400, "jobs/s", "postgres-claim"), ("own-postgres-claim", 1000, "claims/s", null));
        raw.WriteRunInfo(2, "0.25 0.50 0.75 1/300 4321");

        var (markdown, charts) = ReportWriter.Render(Run.LoadAll(raw.Path), "2026-12-07");

        var sections = markdown.Split('\n').Where(l => l.StartsWith("## ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["## Goals", "## Runs", "## Ceilings", "## JobsBench"], sections);
        var goalsTable = markdown[markdown.IndexOf("## Goals", StringComparison.Ordinal)..markdown.IndexOf("## Runs", StringComparison.Ordinal)];
        Assert.All(Goals.All, g => Assert.Contains($"| {g.Title} |", goalsTable, StringComparison.Ordinal));
        Assert.Contains("`chat-c1-overhead-p50` not measured", goalsTable, StringComparison.Ordinal);
        // jobs ÷ own claim per run: 0.6 and 0.4, median 0.5, spread (0.6 − 0.4) ÷ 0.5 = 40 %.
        Assert.Contains("| 0.600 / 0.400 | 0.500, spread 40 % | ≥ 0.500 × | **not met** (met in 1/2 runs) |", goalsTable, StringComparison.Ordinal);
        Assert.Contains("| 1 | abc1234 | 2026-12-07 14:00:00 | 2026-12-07 14:21:00 | 21.0 | 3.50 2.00 1.00 5/400 1234 |", markdown, StringComparison.Ordinal);
        Assert.Contains("0.25 0.50 0.75 1/300 4321", markdown, StringComparison.Ordinal);
        Assert.Contains("ChatBench 90 s (exit 3)", markdown, StringComparison.Ordinal);
        // The program table: ratio to the Ceilings program's figure of the same run (600 ÷ 5000, 400 ÷ 4000).
        Assert.Contains("| 12.0 % / 10.0 % | 11.0 % |", markdown, StringComparison.Ordinal);
        Assert.Contains("2026-12-07-JobsBench.svg", charts.Keys);
    }

    [Fact]
    public void The_figures_of_a_program_that_exited_non_zero_are_left_out_so_no_goal_counts_them()
    {
        using var raw = new RunsDirectory();
        raw.Write(1, "ChatBench", ("health-ready-p99-hung-llm", 3, "ms", null));
        raw.Write(1, "JobsBench", ("jobs-completed", 10, "jobs/s", null));
        raw.WriteRunInfo(1, "1.00 1.00 1.00 1/1 1"); // ChatBench exit code 3, JobsBench 0

        var run = Assert.Single(Run.LoadAll(raw.Path));

        Assert.Null(run.Find("ChatBench", "health-ready-p99-hung-llm"));
        Assert.NotNull(run.Find("JobsBench", "jobs-completed"));
        var goal = new Goal("ready p99", "19", "ChatBench", "health-ready-p99-hung-llm", Comparison.AtMost, 50);
        Assert.Equal("not measured", GoalOutcome.Evaluate(goal, [run]).Status);
    }

    [Fact]
    public void Run_folders_are_read_in_numeric_order_and_a_folder_without_them_is_one_run()
    {
        using var raw = new RunsDirectory();
        for (var k = 1; k <= 10; k++)
        {
            raw.Write(k, "JobsBench", ("jobs-completed", k, "jobs/s", null));
        }

        Assert.Equal(Enumerable.Range(1, 10), Run.LoadAll(raw.Path).Select(r => r.Number));
        Assert.Equal(10, Run.LoadAll(raw.Path)[^1].Find("JobsBench", "jobs-completed")!.Value);

        var single = Run.LoadAll(raw.RunPath(3));
        Assert.Equal(3, Assert.Single(single).Find("JobsBench", "jobs-completed")!.Value);
    }

    [Theory]
    [InlineData("{ not json", "not a valid BenchResult")]
    [InlineData("""{"program":"X","figures":[{"name":"a","unit":"ms"}]}""", "not a valid BenchResult")]
    [InlineData("""{"figures":[]}""", "not a valid BenchResult")]
    [InlineData("""{"program":"X","figures":[{"name":"a","value":1,"unit":"ms"},{"name":"a","value":2,"unit":"ms"}]}""", "appears twice")]
    public void Malformed_input_fails_loudly_naming_the_file(string content, string message)
    {
        using var raw = new RunsDirectory();
        raw.WriteRaw(1, "Broken.json", content);

        var error = Assert.Throws<InvalidDataException>(() => Run.LoadAll(raw.Path));

        Assert.Contains("Broken.json", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_without_any_result_fails_instead_of_writing_an_empty_report()
    {
        using var raw = new RunsDirectory();
        raw.WriteRunInfo(1, "1.00 1.00 1.00 1/1 1");

        Assert.Throws<InvalidDataException>(() => Run.LoadAll(raw.Path));
    }
}
