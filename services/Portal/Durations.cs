using System.Globalization;

namespace Traceability.Portal;

/// <summary>Durations the way people read them: days and hours, or hours and minutes.</summary>
internal static class Durations
{
    public static string Format(TimeSpan span) =>
        span.TotalDays >= 1 ? string.Create(CultureInfo.CurrentCulture, $"{(int)span.TotalDays} d {span.Hours} h")
        : span.TotalHours >= 1 ? string.Create(CultureInfo.CurrentCulture, $"{(int)span.TotalHours} h {span.Minutes} min")
        : string.Create(CultureInfo.CurrentCulture, $"{Math.Max(0, (int)span.TotalMinutes)} min");
}

/// <summary>One row of a count table: what is counted, how many, and where the list of them is.</summary>
public sealed record CountRow(string Label, long Count, string? Link);
