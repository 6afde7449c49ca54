using System.Globalization;

namespace Traceability.Risk.Rules.Uflpa;

/// <summary>
/// Whether a place lies in the Xinjiang Uyghur Autonomous Region: by its region as written (ISO 3166-2 <c>CN-XJ</c>, the
/// older <c>CN-65</c>, names and transliterations) in China, or by a geo point inside a simplified outline of the region's
/// border (a polygon from the rule set; within roughly 20 km of the border it may err either way, which the explanation says).
/// </summary>
public sealed class Xinjiang
{
    private static readonly HashSet<string> RegionNames = new(StringComparer.Ordinal)
    {
        "xj", "cn-xj", "cn-65", "65", "xinjiang", "xinjiang uyghur autonomous region", "xinjiang uygur autonomous region", "xinjiang uighur autonomous region",
        "xuar", "sinkiang", "east turkestan", "east turkistan", "新疆", "新疆维吾尔自治区", "شىنجاڭ",
    };

    private readonly (double Longitude, double Latitude)[] _outline;

    /// <summary>An outline given as "lon lat, lon lat, ..." (WGS 84 degrees).</summary>
    public Xinjiang(string outline)
    {
        _outline = outline.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture)))
            .ToArray();
        if (_outline.Length < 3)
        {
            throw new FormatException("The Xinjiang outline needs at least three points.");
        }
    }

    /// <summary>Whether the region as written names Xinjiang (for a facility in China).</summary>
    public static bool IsRegion(string? country, string? region)
    {
        if (country is not "CN" || string.IsNullOrWhiteSpace(region))
        {
            return false;
        }
        var text = region.Trim().ToLowerInvariant();
        if (RegionNames.Contains(text) || text.Contains("新疆", StringComparison.Ordinal))
        {
            return true;
        }
        // "Xinjiang, Kashgar Prefecture", "Kashgar (Xinjiang)": a word of the address names the region.
        var words = text.Split([' ', ',', ';', '/', '(', ')', '.'], StringSplitOptions.RemoveEmptyEntries);
        return words.Any(w => w is "xinjiang" or "sinkiang" or "xuar" or "cn-xj" or "cn-65");
    }

    /// <summary>Whether the point lies inside the outline (ray casting).</summary>
    public bool Contains(decimal? latitude, decimal? longitude)
    {
        if (latitude is not { } lat || longitude is not { } lon)
        {
            return false;
        }
        double x = (double)lon, y = (double)lat;
        var inside = false;
        for (int i = 0, j = _outline.Length - 1; i < _outline.Length; j = i++)
        {
            var (xi, yi) = _outline[i];
            var (xj, yj) = _outline[j];
            if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
            {
                inside = !inside;
            }
        }
        return inside;
    }
}
