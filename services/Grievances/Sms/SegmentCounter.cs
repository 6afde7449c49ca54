namespace Traceability.Grievances.Sms;

/// <summary>How an SMS is sent: its encoding and how many segments (billed parts) it takes.</summary>
public sealed record SmsSize(string Encoding, int Segments, int Units);

/// <summary>
/// Counts GSM 03.38 / UCS-2 segments as carriers do: GSM-7 when every character is in the GSM default
/// alphabet or its extension table (extension characters cost two septets), 160 septets in one segment
/// or 153 per part of a longer message, an escape pair never split across parts; otherwise UCS-2, 70
/// UTF-16 units in one segment or 67 per part, a surrogate pair never split.
/// </summary>
public static class SegmentCounter
{
    private const string Basic =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

    private const string Extension = "\f^{}\\[~]|€";

    // Countries whose carriers do not deliver the GSM alphabet's accented letters: any of them means UCS-2
    // (Twilio's segment calculator applies this rule for Malaysia).
    private static readonly HashSet<string> AsciiOnlyCountries = new(StringComparer.OrdinalIgnoreCase) { "MY" };

    /// <summary>The size of <paramref name="text"/> sent to a number of <paramref name="country"/> (ISO 3166-1 alpha-2, optional).</summary>
    public static SmsSize Count(string text, string? country = null)
    {
        var asciiOnly = country is not null && AsciiOnlyCountries.Contains(country);
        if (text.All(c => (Basic.Contains(c, StringComparison.Ordinal) && (!asciiOnly || c < 128)) || Extension.Contains(c, StringComparison.Ordinal)))
        {
            var septets = text.Select(c => Extension.Contains(c, StringComparison.Ordinal) ? 2 : 1).ToList();
            return new SmsSize("GSM-7", Parts(septets, 160, 153), septets.Sum());
        }
        var units = new List<int>();
        for (var i = 0; i < text.Length; i++)
        {
            var pair = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
            units.Add(pair ? 2 : 1);
            i += pair ? 1 : 0;
        }
        return new SmsSize("UCS-2", Parts(units, 70, 67), units.Sum());
    }

    private static int Parts(IReadOnlyList<int> sizes, int single, int part)
    {
        if (sizes.Sum() <= single)
        {
            return 1;
        }
        var parts = 1;
        var used = 0;
        foreach (var size in sizes)
        {
            if (used + size > part)
            {
                parts++;
                used = 0;
            }
            used += size;
        }
        return parts;
    }
}
