namespace Report;

/// <summary>The same figure across runs: median, min, max and relative spread ((max − min) ÷ median).</summary>
public sealed record Spread(double Median, double Min, double Max, int Count)
{
    /// <summary>(max − min) ÷ |median|; 0 for one run, NaN when the median is 0 and the values differ.</summary>
    public double Relative => Max == Min ? 0 : Median == 0 ? double.NaN : (Max - Min) / Math.Abs(Median);

    public static Spread? Of(IEnumerable<double?> values)
    {
        var measured = values.Where(v => v is not null).Select(v => v!.Value).Order().ToArray();
        if (measured.Length == 0)
        {
            return null;
        }

        var middle = measured.Length / 2;
        var median = measured.Length % 2 == 1 ? measured[middle] : (measured[middle - 1] + measured[middle]) / 2;
        return new Spread(median, measured[0], measured[^1], measured.Length);
    }
}
