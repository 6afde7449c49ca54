using Traceability.Hosting;
using System.Text;
using System.Text.RegularExpressions;

namespace Traceability.Provenance.Gs1;

/// <summary>
/// The constrained canonical GS1 Digital Link URI of an identifier (CBV 2.0 §8.9, GS1 Digital Link
/// URI Syntax 1.2 §4.11): EPC URIs (urn:epc:id:…), EPC class URIs (urn:epc:class:lgtin:…) and EPC
/// pattern URIs (urn:epc:idpat:…) are converted per the Tag Data Standard; Digital Link URIs move to
/// https://id.gs1.org, lose their query string and CPV, name their keys by AI and keep only the
/// finest level of identification (a serial wins over a lot). Anything else has no canonical form.
/// </summary>
public static partial class DigitalLink
{
    public const string Authority = "https://id.gs1.org";

    /// <summary>The canonical Digital Link URI of <paramref name="uri"/>, or null when it names no GS1 key this way.</summary>
    public static string? Canonical(string uri) =>
        uri.StartsWith("urn:epc:", StringComparison.Ordinal) ? FromEpc(uri)
        : uri.StartsWith("http://", StringComparison.Ordinal) || uri.StartsWith("https://", StringComparison.Ordinal) ? FromWeb(uri)
        : null;

    private static string? FromEpc(string uri)
    {
        var colon = uri.LastIndexOf(':');
        var kind = uri[..colon];
        var parts = uri[(colon + 1)..].Split('.');
        // Every EPC scheme starts with a GS1 company prefix of 6 to 12 digits.
        if (parts.Length < 2 || parts[0].Length is < 6 or > 12 || !Digits(parts[0]))
        {
            return null;
        }
        var prefix = parts[0];
        var path = kind switch
        {
            "urn:epc:id:sgtin" when parts.Length >= 3 && Gtin(prefix, parts[1]) is { } gtin && Serial(Tail(parts), 20) => $"/01/{gtin}/21/{Escape(Tail(parts))}",
            "urn:epc:id:sscc" when parts.Length == 2 && Key(prefix, parts[1], 17) => $"/00/{WithCheckDigit(parts[1][..1] + prefix + parts[1][1..])}",
            "urn:epc:id:sgln" when parts.Length >= 3 && Key(prefix, parts[1], 12, allowEmpty: true) && Serial(Tail(parts), 20) =>
                $"/414/{WithCheckDigit(prefix + parts[1])}" + (Tail(parts) == "0" ? "" : $"/254/{Escape(Tail(parts))}"),
            "urn:epc:id:grai" when parts.Length >= 3 && Key(prefix, parts[1], 12, allowEmpty: true) && Serial(Tail(parts), 16) =>
                $"/8003/{WithCheckDigit("0" + prefix + parts[1])}{Escape(Tail(parts))}",
            "urn:epc:id:giai" when Rest(parts) is { } asset && Serial(asset, 30 - prefix.Length) => $"/8004/{prefix}{Escape(asset)}",
            "urn:epc:id:gsrn" when parts.Length == 2 && Key(prefix, parts[1], 17) => $"/8018/{WithCheckDigit(prefix + parts[1])}",
            "urn:epc:id:gsrnp" when parts.Length == 2 && Key(prefix, parts[1], 17) => $"/8017/{WithCheckDigit(prefix + parts[1])}",
            "urn:epc:id:gdti" when parts.Length >= 3 && Key(prefix, parts[1], 12, allowEmpty: true) && (Tail(parts).Length == 0 || Serial(Tail(parts), 17)) =>
                $"/253/{WithCheckDigit(prefix + parts[1])}{Escape(Tail(parts))}",
            "urn:epc:id:cpi" when parts.Length == 3 && CpiReference().IsMatch(parts[1]) && parts[2].Length is >= 1 and <= 12 && Digits(parts[2]) =>
                $"/8010/{Escape(prefix + parts[1])}/8011/{parts[2]}",
            "urn:epc:id:sgcn" when parts.Length == 3 && Key(prefix, parts[1], 12, allowEmpty: true) && parts[2].Length is >= 1 and <= 12 && Digits(parts[2]) =>
                $"/255/{WithCheckDigit(prefix + parts[1])}{parts[2]}",
            "urn:epc:id:ginc" when Rest(parts) is { } consignment && Serial(consignment, 30 - prefix.Length) => $"/401/{prefix}{Escape(consignment)}",
            "urn:epc:id:gsin" when parts.Length == 2 && Key(prefix, parts[1], 16) => $"/402/{WithCheckDigit(prefix + parts[1])}",
            "urn:epc:id:itip" when parts.Length >= 5 && Gtin(prefix, parts[1]) is { } gtin && PieceAndTotal(parts) && string.Join('.', parts[4..]) is var serial && Serial(serial, 20) =>
                $"/8006/{gtin}{parts[2]}{parts[3]}/21/{Escape(serial)}",
            "urn:epc:id:upui" when parts.Length >= 3 && Gtin(prefix, parts[1]) is { } gtin && Serial(Tail(parts), 28) => $"/01/{gtin}/235/{Escape(Tail(parts))}",
            "urn:epc:id:pgln" when parts.Length == 2 && Key(prefix, parts[1], 12, allowEmpty: true) => $"/417/{WithCheckDigit(prefix + parts[1])}",
            "urn:epc:class:lgtin" when parts.Length >= 3 && Gtin(prefix, parts[1]) is { } gtin && Serial(Tail(parts), 20) => $"/01/{gtin}/10/{Escape(Tail(parts))}",
            "urn:epc:idpat:sgtin" or "urn:epc:idpat:upui" when Pattern(parts, 3) && Gtin(prefix, parts[1]) is { } gtin => $"/01/{gtin}",
            "urn:epc:idpat:grai" when Pattern(parts, 3) && Key(prefix, parts[1], 12, allowEmpty: true) => $"/8003/{WithCheckDigit("0" + prefix + parts[1])}",
            "urn:epc:idpat:gdti" when Pattern(parts, 3) && Key(prefix, parts[1], 12, allowEmpty: true) => $"/253/{WithCheckDigit(prefix + parts[1])}",
            "urn:epc:idpat:sgcn" when Pattern(parts, 3) && Key(prefix, parts[1], 12, allowEmpty: true) => $"/255/{WithCheckDigit(prefix + parts[1])}",
            "urn:epc:idpat:cpi" when Pattern(parts, 3) && CpiReference().IsMatch(parts[1]) => $"/8010/{Escape(prefix + parts[1])}",
            "urn:epc:idpat:itip" when Pattern(parts, 5) && Gtin(prefix, parts[1]) is { } gtin && PieceAndTotal(parts) => $"/8006/{gtin}{parts[2]}{parts[3]}",
            _ => null,
        };
        return path is null ? null : Authority + path;
    }

    private static string? FromWeb(string uri)
    {
        if (WebUri().Match(uri) is not { Success: true } match)
        {
            return null;
        }
        var segments = match.Groups["path"].Value.Split('/')[1..].Select(s => ShortNames.GetValueOrDefault(s, s)).ToList();
        var start = segments.FindIndex(s => PrimaryKeys.Contains(s));
        while (start >= 0 && !(start + 1 < segments.Count && segments[start + 1].Length >= 4 && Digits(segments[start + 1][..4])))
        {
            start = segments.FindIndex(start + 1, s => PrimaryKeys.Contains(s));
        }
        if (start < 0 || (segments.Count - start) % 2 != 0)
        {
            return null;
        }
        var pairs = new List<(string Ai, string Value)>();
        for (var i = start; i < segments.Count; i += 2)
        {
            pairs.Add((segments[i], segments[i + 1]));
        }
        if (pairs[0] is ("01", { Length: 8 or 12 or 13 } shortGtin) && Digits(shortGtin))
        {
            pairs[0] = ("01", shortGtin.PadLeft(14, '0'));
        }
        // The canonical form names one thing at its finest level: no consumer product variant, and a lot only when there is no serial.
        pairs.RemoveAll(p => p.Ai == "22");
        if (pairs.Any(p => p.Ai == "21"))
        {
            pairs.RemoveAll(p => p.Ai == "10");
        }
        var canonical = Authority + string.Concat(pairs.Select(p => $"/{p.Ai}/{p.Value}"));
        return CanonicalShape().IsMatch(canonical) ? canonical : null;
    }

    /// <summary>The serial or extension after the key: it may itself contain dots.</summary>
    private static string Tail(string[] parts) => string.Join('.', parts[2..]);

    private static bool Pattern(string[] parts, int count) => parts.Length == count && parts[^1] == "*";

    private static bool PieceAndTotal(string[] parts) => parts[2].Length == 2 && Digits(parts[2]) && parts[3].Length == 2 && Digits(parts[3]);

    /// <summary>The last component when it may itself contain dots (GIAI, GINC).</summary>
    private static string? Rest(string[] parts) => parts.Length >= 2 ? string.Join('.', parts[1..]) : null;

    private static bool Digits(string value) => value.All(char.IsAsciiDigit);

    /// <summary>A reference that, with the company prefix, makes a key of <paramref name="length"/> digits.</summary>
    private static bool Key(string prefix, string reference, int length, bool allowEmpty = false) =>
        prefix.Length + reference.Length == length && Digits(reference) && (allowEmpty || reference.Length > 0);

    /// <summary>GTIN-14 from the company prefix and the indicator digit + item reference.</summary>
    private static string? Gtin(string prefix, string indicatorAndItem) =>
        Key(prefix, indicatorAndItem, 13) ? WithCheckDigit(indicatorAndItem[..1] + prefix + indicatorAndItem[1..]) : null;

    private static bool Serial(string value, int maxLength) => value.Length >= 1 && EpcCharacters().Match(value) is { Success: true } m && m.Groups[1].Captures.Count <= maxLength;

    private static string WithCheckDigit(string digits) => digits + CheckDigit.Compute(digits);

    /// <summary>Digital Link percent-encodes what EPC URIs may carry bare (GS1 Digital Link Table 7-1); EPC escapes stay as they are.</summary>
    private static string Escape(string value)
    {
        var text = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            text.Append(c switch
            {
                '!' => "%21", '(' => "%28", ')' => "%29", '*' => "%2A", '+' => "%2B", ',' => "%2C", ':' => "%3A",
                _ => c.ToString(),
            });
        }
        return text.ToString();
    }

    private static readonly IReadOnlySet<string> PrimaryKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "00", "01", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006", "8010", "8017", "8018",
    };

    private static readonly IReadOnlyDictionary<string, string> ShortNames = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["gtin"] = "01", ["itip"] = "8006", ["cpid"] = "8010", ["gln"] = "414", ["party"] = "417", ["gsrnp"] = "8017", ["gsrn"] = "8018",
        ["gcn"] = "255", ["sscc"] = "00", ["gdti"] = "253", ["ginc"] = "401", ["gsin"] = "402", ["grai"] = "8003", ["giai"] = "8004",
        ["cpv"] = "22", ["lot"] = "10", ["ser"] = "21",
    };

    /// <summary>An EPC URI component: each character, or %-escape, is one captured element.</summary>
    [GeneratedRegex(@"^(%2[125-9A-Fa-f]|%3[0-9A-Fa-f]|%4[1-9A-Fa-f]|%5[0-9AaFf]|%6[1-9A-Fa-f]|%7[0-9Aa]|[!')(*+,.0-9:;=A-Za-z_-])+$")]
    private static partial Regex EpcCharacters();

    [GeneratedRegex(@"^(%2[3dfDF]|%3[0-9]|%4[1-9A-Fa-f]|%5[0-9Aa]|[0-9A-Z-]){1,24}$")]
    private static partial Regex CpiReference();

    [GeneratedRegex(@"^https?://[^/?#]+(?<path>/[^?#]*)(\?[^#]*)?$")]
    private static partial Regex WebUri();

    private const string DlCharacter = @"[""'\-.0-9;-?A-Z_a-z]";

    [GeneratedRegex(@"^https://id\.gs1\.org/(" +
        @"00/\d{18}" +
        @"|01/\d{14}(/21/" + DlCharacter + "{0,20}|/10/" + DlCharacter + "{0,20}|/235/" + DlCharacter + "{0,28})?" +
        @"|253/\d{13}" + DlCharacter + "{0,17}" +
        @"|255/\d{13}\d{0,12}" +
        @"|401/" + DlCharacter + "{0,30}" +
        @"|402/\d{17}" +
        @"|414/\d{13}(/254/" + DlCharacter + "{0,20})?" +
        @"|417/\d{13}" +
        @"|8003/\d{14}" + DlCharacter + "{0,16}" +
        @"|8004/" + DlCharacter + "{0,30}" +
        @"|8006/\d{18}(/21/" + DlCharacter + "{0,20}|/10/" + DlCharacter + "{0,20})?" +
        @"|8010/[#\-/0-9A-Z]{0,30}(/8011/\d{0,12})?" +
        @"|8017/\d{18}" +
        @"|8018/\d{18}" +
        ")$")]
    private static partial Regex CanonicalShape();
}
