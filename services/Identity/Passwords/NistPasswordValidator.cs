using Microsoft.AspNetCore.Identity;
using Traceability.Identity.Accounts;

namespace Traceability.Identity.Passwords;

/// <summary>
/// NIST SP 800-63B §3.1.1.2 (memorized secrets): at least 12 characters, at most 256, any characters;
/// no composition rules; refused when it is a commonly used or breached password (the list shipped in
/// common-passwords.txt, also with digits and symbols added around it), a run or repetition of one short
/// piece, or made of the account's own email or the platform's name.
/// </summary>
internal sealed class NistPasswordValidator : IPasswordValidator<PlatformUser>
{
    public const int MinimumLength = 12;
    public const int MaximumLength = 256;

    private static readonly Lazy<HashSet<string>> Common = new(Load);

    public Task<IdentityResult> ValidateAsync(UserManager<PlatformUser> manager, PlatformUser user, string? password) =>
        Task.FromResult(Check(password, user.Email) is { } problem
            ? IdentityResult.Failed(new IdentityError { Code = "PasswordRefused", Description = problem })
            : IdentityResult.Success);

    /// <summary>Why the password is refused, or null.</summary>
    public static string? Check(string? password, string? email)
    {
        password ??= "";
        var length = password.EnumerateRunes().Count();
        if (length < MinimumLength)
        {
            return $"A password has at least {MinimumLength} characters; a few words together make a good one.";
        }
        if (length > MaximumLength)
        {
            return $"A password has at most {MaximumLength} characters.";
        }
        var lower = password.ToLowerInvariant();
        var core = lower.Trim(" 0123456789!@#$%^&*()_+-=.,?;:'\"~`[]{}<>/\\|".ToCharArray());
        if (Common.Value.Contains(lower) || (core.Length >= 4 && Common.Value.Contains(core)))
        {
            return "This password is among the most used or leaked passwords; choose another.";
        }
        if (IsRepetition(lower) || IsRun(lower))
        {
            return "This password repeats one short piece or runs through a sequence; choose another.";
        }
        var local = email?.Split('@')[0].ToLowerInvariant();
        foreach (var word in new[] { local, "traceability" })
        {
            if (!string.IsNullOrEmpty(word) && word.Length >= 4 && lower.Replace(word, "", StringComparison.Ordinal).Trim(" 0123456789!@#$%^&*()_+-=.,?".ToCharArray()).Length < 4)
            {
                return "This password is made of your email or the platform's name; choose another.";
            }
        }
        return null;
    }

    // "abcabcabcabc", "aaaaaaaaaaaa": the password is one piece of at most 4 characters repeated.
    private static bool IsRepetition(string text)
    {
        for (var piece = 1; piece <= 4 && piece < text.Length; piece++)
        {
            if (text.Length % piece == 0 && Enumerable.Range(0, text.Length).All(i => text[i] == text[i % piece]))
            {
                return true;
            }
        }
        return false;
    }

    // "123456789012", "abcdefghijkl", "zyxwvutsrqpo": every character is the one after (or before) the last.
    private static bool IsRun(string text)
    {
        var up = true;
        var down = true;
        for (var i = 1; i < text.Length; i++)
        {
            var step = text[i] - text[i - 1];
            up &= step == 1 || (text[i - 1] == '9' && text[i] == '0');
            down &= step == -1 || (text[i - 1] == '0' && text[i] == '9');
        }
        return up || down;
    }

    private static HashSet<string> Load()
    {
        using var stream = typeof(NistPasswordValidator).Assembly.GetManifestResourceStream("Passwords/common-passwords.txt")!;
        using var reader = new StreamReader(stream);
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && line[0] != '#')
            {
                set.Add(line.Trim().ToLowerInvariant());
            }
        }
        return set;
    }
}
