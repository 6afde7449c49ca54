using System.Globalization;
using System.Security;
using System.Text;

namespace Traceability.Portal;

/// <summary>
/// A bar chart drawn on the server as SVG: no chart library, no script, nothing from another origin. The picture has
/// a title and a description for screen readers, and the page shows the same numbers as a table beside it.
/// </summary>
internal static class BarChart
{
    private const int Width = 720;
    private const int Height = 240;
    private const int Left = 40;
    private const int Bottom = 36;
    private const int Top = 16;

    public static string Svg(string id, string title, string description, IReadOnlyList<(string Label, int Value)> bars)
    {
        var max = Math.Max(1, bars.Count == 0 ? 1 : bars.Max(b => b.Value));
        var plotHeight = Height - Top - Bottom;
        var slot = bars.Count == 0 ? 0 : (Width - Left - 8) / (double)bars.Count;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<svg class="chart" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {Width} {Height}" width="{Width}" height="{Height}" xmlns="http://www.w3.org/2000/svg">""");
        svg.Append(CultureInfo.InvariantCulture, $"""<title id="{id}-title">{Escape(title)}</title><desc id="{id}-desc">{Escape(description)}</desc>""");
        svg.Append(CultureInfo.InvariantCulture, $"""<line class="axis" x1="{Left}" y1="{Height - Bottom}" x2="{Width - 4}" y2="{Height - Bottom}"/>""");
        svg.Append(CultureInfo.InvariantCulture, $"""<line class="axis" x1="{Left}" y1="{Top}" x2="{Left}" y2="{Height - Bottom}"/>""");
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left - 6}" y="{Top + 4}" text-anchor="end">{max}</text><text x="{Left - 6}" y="{Height - Bottom}" text-anchor="end">0</text>""");
        for (var i = 0; i < bars.Count; i++)
        {
            var (label, value) = bars[i];
            var height = plotHeight * value / (double)max;
            var x = Left + 4 + i * slot;
            var y = Height - Bottom - height;
            svg.Append(CultureInfo.InvariantCulture, $"""<rect class="bar" x="{x + slot * 0.15:F1}" y="{y:F1}" width="{slot * 0.7:F1}" height="{height:F1}"><title>{Escape(label)}: {value}</title></rect>""");
            if (value > 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"""<text x="{x + slot / 2:F1}" y="{y - 3:F1}" text-anchor="middle">{value}</text>""");
            }
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{x + slot / 2:F1}" y="{Height - Bottom + 16}" text-anchor="middle">{Escape(label)}</text>""");
        }
        svg.Append("</svg>");
        return svg.ToString();
    }

    private static string Escape(string text) => SecurityElement.Escape(text);
}
