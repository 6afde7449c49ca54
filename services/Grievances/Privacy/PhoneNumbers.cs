using PhoneNumbers;

namespace Traceability.Grievances.Privacy;

/// <summary>
/// Gateways write numbers in their own ways ("+8801712345678", "8801712345678", "01712345678"): one
/// E.164 form (libphonenumber) before the number is pseudonymised, so one worker stays one sender.
/// </summary>
public static class PhoneNumberForm
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    /// <summary>The E.164 form and the number's region, or null when it is not a phone number.</summary>
    public static (string E164, string Region)? Normalise(string? raw, string defaultRegion)
    {
        if (string.IsNullOrWhiteSpace(raw) || raw.Length > 40)
        {
            return null;
        }
        var text = raw.Trim();
        try
        {
            // Gateways that drop the '+' send the full international digits; try them as such first.
            var number = text.All(char.IsAsciiDigit) && text.Length > 10
                ? TryParse("+" + text, defaultRegion) ?? Util.Parse(text, defaultRegion)
                : Util.Parse(text, defaultRegion);
            return Util.IsPossibleNumber(number)
                ? (Util.Format(number, PhoneNumberFormat.E164), Util.GetRegionCodeForNumber(number) ?? defaultRegion)
                : null;
        }
        catch (NumberParseException)
        {
            return null;
        }
    }

    private static PhoneNumber? TryParse(string text, string region)
    {
        try
        {
            var number = Util.Parse(text, region);
            return Util.IsValidNumber(number) ? number : null;
        }
        catch (NumberParseException)
        {
            return null;
        }
    }

    /// <summary>The national form of an E.164 number (tests look for it in logs and answers).</summary>
    public static string National(string e164) => Util.Format(Util.Parse(e164, null), PhoneNumberFormat.NATIONAL);
}
