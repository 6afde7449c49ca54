using System.Globalization;
using System.Text;

namespace Traceability.Hosting;

/// <summary>
/// The platform's one rule for text a client sends (JSON strings, query values, path segments):
/// well-formed Unicode (no lone surrogates, no U+FFFD left by undecodable bytes), no NUL or other
/// control characters (TAB, LF and CR only where a field allows several lines), and no bidirectional
/// embedding, override or isolate controls (U+202A–U+202E, U+2066–U+2069), which can make text shown to
/// an auditor read differently from what is stored (Unicode UTS #55, CVE-2021-42574 "Trojan Source").
/// A required text must have at least one visible character: a name of zero-width characters is no name.
/// </summary>
public static class TextRules
{
    /// <summary>Why <paramref name="text"/> breaks the rule, or null when it keeps it.</summary>
    public static string? Problem(string text, bool multiline = false)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            if (char.IsSurrogate(c))
            {
                return "The text is not well-formed Unicode (a lone surrogate).";
            }
            if (c == '\uFFFD')
            {
                return "The text has bytes that are not UTF-8 (U+FFFD).";
            }
            if (c == '\0')
            {
                return "The text contains a NUL character.";
            }
            if (char.IsControl(c) && !(multiline && c is '\t' or '\n' or '\r'))
            {
                return $"The text contains the control character U+{(int)c:X4}.";
            }
            if (c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069')
            {
                return $"The text contains the bidirectional control U+{(int)c:X4}; write right-to-left text without explicit overrides.";
            }
        }
        return null;
    }

    /// <summary>Whether the text has a character a reader can see (not whitespace, not a format or control character).</summary>
    public static bool HasVisibleCharacter(string text)
    {
        foreach (var rune in text.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (!Rune.IsWhiteSpace(rune) && category is not (UnicodeCategory.Format or UnicodeCategory.Control or UnicodeCategory.Surrogate
                or UnicodeCategory.OtherNotAssigned or UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Checks a single-line text field: trimmed, at most <paramref name="maxLength"/> characters (the
    /// column's length), the rule above, and present when <paramref name="required"/>. Returns the
    /// trimmed text (null when absent or blank) and records a field error when it breaks a rule.
    /// </summary>
    public static string? RequireText(this ValidationErrors errors, string field, string? value, int maxLength, bool required, string what)
    {
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text) || !HasVisibleCharacter(text))
        {
            if (required)
            {
                errors.Add(field, $"{what} is required: at least one visible character.");
            }
            else if (!string.IsNullOrEmpty(text))
            {
                errors.Add(field, $"{what} has no visible character; leave it out instead.");
            }
            return null;
        }
        if (text.Length > maxLength)
        {
            errors.Add(field, $"{what} has at most {maxLength} characters.");
            return null;
        }
        if (Problem(text) is { } problem)
        {
            errors.Add(field, problem);
            return null;
        }
        return text;
    }
}
