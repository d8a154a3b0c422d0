using System.Globalization;
using System.Net;
using System.Text;

namespace Report;

/// <summary>A horizontal bar chart (SVG, no external tools): each figure as a share of its ceiling, 100% marked.</summary>
public static class RatioChart
{
    public static string Render(string title, IReadOnlyList<(string Label, double Ratio, string Caption)> bars)
    {
        const int left = 260, width = 420, rowHeight = 26, top = 40;
        var max = Math.Max(1.0, bars.Count == 0 ? 1 : bars.Max(b => double.IsFinite(b.Ratio) ? b.Ratio : 0));
        var height = top + (bars.Count * rowHeight) + 30;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 220}" height="{height}" font-family="sans-serif" font-size="12">""");
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="10" y="20" font-size="14" font-weight="bold">{WebUtility.HtmlEncode(title)}</text>""");
        var hundred = left + (width / max);
        svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{hundred:0.#}" y1="{top - 8}" x2="{hundred:0.#}" y2="{height - 20}" stroke="#999" stroke-dasharray="4 3"/>""");
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{hundred + 3:0.#}" y="{top - 10}" fill="#666">ceiling (100%)</text>""");
        for (var i = 0; i < bars.Count; i++)
        {
            var (label, ratio, caption) = bars[i];
            var y = top + (i * rowHeight);
            var length = double.IsFinite(ratio) ? Math.Max(1, width * ratio / max) : 0;
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{left - 8}" y="{y + 15}" text-anchor="end">{WebUtility.HtmlEncode(label)}</text>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{left}" y="{y + 3}" width="{length:0.#}" height="{rowHeight - 8}" fill="{(ratio >= 0.5 ? "#4a8" : "#d84")}"/>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{left + length + 6:0.#}" y="{y + 15}">{WebUtility.HtmlEncode(caption)}</text>""");
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }
}
