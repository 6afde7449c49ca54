namespace Traceability.Hosting;

/// <summary>
/// GS1 mod-10 check digits (GTIN-8/12/13/14, GLN, SSCC): weights 3,1,3,1… from the rightmost
/// data digit; the check digit is (10 − sum mod 10) mod 10.
/// </summary>
public static class CheckDigit
{
    /// <summary>Whether <paramref name="value"/> is all digits (at least two) and its last digit checks.</summary>
    public static bool IsValid(string? value)
    {
        if (value is not { Length: >= 2 } || !value.All(char.IsAsciiDigit))
        {
            return false;
        }
        var sum = 0;
        for (int i = value.Length - 2, weight = 3; i >= 0; i--, weight = 4 - weight)
        {
            sum += (value[i] - '0') * weight;
        }
        return (10 - sum % 10) % 10 == value[^1] - '0';
    }

    /// <summary>The check digit that completes <paramref name="digits"/> (the data digits of a GS1 key).</summary>
    public static char Compute(string digits)
    {
        var sum = 0;
        for (int i = digits.Length - 1, weight = 3; i >= 0; i--, weight = 4 - weight)
        {
            sum += (digits[i] - '0') * weight;
        }
        return (char)('0' + (10 - sum % 10) % 10);
    }

    /// <summary>A Global Location Number: 13 digits, not all zeros.</summary>
    public static bool IsGln(string? value) => value is { Length: 13 } && IsValid(value) && !IsAllZeros(value);

    /// <summary>A GTIN-8, -12, -13 or -14, not all zeros.</summary>
    public static bool IsGtin(string? value) => value is { Length: 8 or 12 or 13 or 14 } && IsValid(value) && !IsAllZeros(value);

    // Zeros pass the mod-10 check but identify nothing: GS1 issues no company prefix of zeros, and
    // a key of zeros is what a form sends when the field was left blank.
    private static bool IsAllZeros(string value) => value.All(c => c == '0');

    /// <summary>A Serial Shipping Container Code: 18 digits.</summary>
    public static bool IsSscc(string? value) => value is { Length: 18 } && IsValid(value);

    /// <summary>A GTIN padded to 14 digits, the form GS1 compares and stores.</summary>
    public static string ToGtin14(string gtin) => gtin.PadLeft(14, '0');
}

/// <summary>
/// How a facility is named across the platform (Provenance's registrations, audits, certificates): a GLN
/// and/or an Open Supply Hub id, the ids that join one site's records across exporters and services.
/// </summary>
public static partial class FacilityIds
{
    /// <summary>What a GLN must be, for error messages.</summary>
    public const string GlnRule = "A GLN has 13 digits (not all zeros) with a valid GS1 check digit.";

    /// <summary>What an Open Supply Hub id must be, for error messages.</summary>
    public const string OshIdRule = "An Open Supply Hub id is a country code, 7 digits and 6 letters or digits, e.g. CN2019303BQ3FZP.";

    /// <summary>Whether <paramref name="value"/> has the shape of an Open Supply Hub id.</summary>
    public static bool IsOshId(string? value) => value is not null && OshIdPattern().IsMatch(value);

    /// <summary>
    /// Checks the ids of a facility named under <paramref name="field"/> (e.g. <c>facility</c>): each valid when given,
    /// and at least one given.
    /// </summary>
    public static void Require(ValidationErrors errors, string? gln, string? oshId, string field)
    {
        var prefix = field.Length == 0 ? "" : field + ".";
        errors.Require(gln is null || CheckDigit.IsGln(gln), prefix + "gln", GlnRule);
        errors.Require(oshId is null || IsOshId(oshId), prefix + "oshId", OshIdRule);
        if (gln is null && oshId is null)
        {
            errors.Add(prefix + "gln", "A facility needs a GLN or an Open Supply Hub id (oshId).");
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Z]{2}[0-9]{7}[A-Z0-9]{6}$")]
    private static partial System.Text.RegularExpressions.Regex OshIdPattern();
}
