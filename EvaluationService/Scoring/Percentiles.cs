namespace EvaluationService.Scoring;

/// <summary>Nearest-rank percentiles and simple statistics over small samples.</summary>
public static class Percentiles
{
    public static double? Of(IReadOnlyList<double> sorted, double percentile)
    {
        if (sorted.Count == 0)
        {
            return null;
        }

        var rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    public static double? Mean(IEnumerable<double?> values)
    {
        var present = values.Where(v => v.HasValue).Select(v => v!.Value).ToList();
        return present.Count == 0 ? null : present.Average();
    }

    /// <summary>Population variance; null for fewer than two values.</summary>
    public static double? Variance(IEnumerable<double?> values)
    {
        var present = values.Where(v => v.HasValue).Select(v => v!.Value).ToList();
        if (present.Count < 2)
        {
            return null;
        }

        var mean = present.Average();
        return present.Sum(v => (v - mean) * (v - mean)) / present.Count;
    }
}
