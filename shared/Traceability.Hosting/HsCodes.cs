namespace Traceability.Hosting;

/// <summary>
/// Harmonized System codes (WCO HS Nomenclature): 6 digits, or up to 10 with national subdivisions,
/// dots allowed. The first two digits are the chapter, 01 to 97; chapter 77 is reserved for future use,
/// so 00, 77 and 98–99 name no goods and are refused.
/// </summary>
public static class HsCodes
{
    /// <summary>The rule, as a client reads it.</summary>
    public const string Rule = "An HS code has 6 to 10 digits (dots allowed), in an HS chapter from 01 to 97 (not 77), e.g. 1801.00.";

    /// <summary>The code without dots and surrounding blanks, or null.</summary>
    public static string? Normalise(string? code) => code?.Replace(".", "", StringComparison.Ordinal).Trim();

    /// <summary>Whether a normalised code is 6–10 digits in an assigned chapter.</summary>
    public static bool IsValid(string? code) =>
        code is { Length: >= 6 and <= 10 } && code.All(char.IsAsciiDigit) && int.Parse(code[..2], System.Globalization.CultureInfo.InvariantCulture) is >= 1 and <= 97 and not 77;

    /// <summary>Whether <paramref name="chapter"/> is an HS chapter that names goods: two digits, 01 to 97, not 77.</summary>
    public static bool IsChapter(string? chapter) =>
        chapter is { Length: 2 } && chapter.All(char.IsAsciiDigit) && int.Parse(chapter, System.Globalization.CultureInfo.InvariantCulture) is >= 1 and <= 97 and not 77;
}
