using System.Security.Cryptography;

namespace Traceability.Grievances.Features.Converse;

/// <summary>
/// Case references a worker can read off a small screen and type back: "GR-" and six characters from
/// an alphabet without 0/O and 1/I (which phones' fonts make look alike).
/// </summary>
public static class CaseReference
{
    /// <summary>The 32 characters references are made of.</summary>
    public const string Alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

    /// <summary>A new random reference (32^6, about a billion; a collision fails the unique key and the filing is retried).</summary>
    public static string New() => "GR-" + RandomNumberGenerator.GetString(Alphabet, 6);

    /// <summary>What a worker typed ("gr 7kq4p2", "7KQ4P2") as a reference, or null.</summary>
    public static string? Parse(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var compact = new string(text.ToUpperInvariant().Where(char.IsAsciiLetterOrDigit).ToArray());
        if (compact.StartsWith("GR", StringComparison.Ordinal) && compact.Length == 8)
        {
            compact = compact[2..];
        }
        return compact.Length == 6 && compact.All(c => Alphabet.Contains(c, StringComparison.Ordinal)) ? "GR-" + compact : null;
    }
}
