using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Traceability.Grievances.Features.Converse;

/// <summary>One language's texts, keywords and greetings (Features/Converse/Texts/&lt;code&gt;.json).</summary>
public sealed record LanguageTexts(string Code, string Name, IReadOnlyList<string> Greetings,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Keywords, IReadOnlyDictionary<string, string> Texts)
{
    /// <summary>The text <paramref name="key"/> with its {placeholders} filled.</summary>
    public string Format(string key, params (string Name, string Value)[] values)
    {
        var text = new StringBuilder(Texts[key]);
        foreach (var (name, value) in values)
        {
            text.Replace("{" + name + "}", value);
        }
        return text.ToString();
    }
}

/// <summary>
/// Every language the conversation speaks, as data: adding a language is adding a file (the unit test
/// checks it has every text and that each fits the segment budget). The texts must be checked by
/// native speakers before a deployment.
/// </summary>
public sealed class ConversationTexts
{
    /// <summary>Menu order: the number a worker sends to choose each language.</summary>
    public static readonly IReadOnlyList<string> Codes = ["en", "es", "fr", "bn", "hi", "sw", "id", "vi"];

    /// <summary>The texts every language must have, with the placeholders each may contain.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Required = new Dictionary<string, string[]>
    {
        ["askWorkplace"] = [], ["workplaceUnknown"] = [], ["askCategory"] = [], ["categoryInvalid"] = [], ["askDetails"] = [],
        ["askConsent"] = [], ["filed"] = ["reference"], ["help"] = [], ["stopped"] = [], ["started"] = [],
        ["statusReply"] = ["reference", "status"], ["statusUnknown"] = ["reference"],
        ["status.filed"] = [], ["status.acknowledged"] = [], ["status.awaiting-worker"] = [], ["status.closed"] = [],
        ["closed"] = ["reference", "outcome"], ["outcome.resolved"] = [], ["outcome.not-substantiated"] = [], ["outcome.referred"] = [],
        ["question"] = ["reference", "question"],
        ["poster"] = ["code", "number"],
    };

    /// <summary>Keywords every language has (the English ones work in every language too).</summary>
    public static readonly IReadOnlyList<string> KeywordKinds = ["status", "help", "stop", "start", "yes", "no"];

    private ConversationTexts(IReadOnlyDictionary<string, LanguageTexts> languages) => Languages = languages;

    /// <summary>The languages by code.</summary>
    public IReadOnlyDictionary<string, LanguageTexts> Languages { get; }

    /// <summary>The language menu sent when the language is not known yet.</summary>
    public string LanguageMenu => "Language? " + string.Join(" ", Codes.Select((code, i) => $"{i + 1} {Languages[code].Name}"));

    /// <summary>Loads the texts embedded in the service.</summary>
    public static ConversationTexts LoadShipped()
    {
        var assembly = typeof(ConversationTexts).Assembly;
        var languages = new Dictionary<string, LanguageTexts>(StringComparer.Ordinal);
        foreach (var code in Codes)
        {
            using var stream = assembly.GetManifestResourceStream($"Texts/{code}.json")
                ?? throw new InvalidOperationException($"Texts/{code}.json is not embedded.");
            using var document = JsonDocument.Parse(stream);
            var root = document.RootElement;
            languages[code] = new LanguageTexts(
                code,
                root.GetProperty("name").GetString()!,
                root.GetProperty("greetings").EnumerateArray().Select(g => g.GetString()!).ToList(),
                root.GetProperty("keywords").EnumerateObject().ToDictionary(k => k.Name, k => (IReadOnlyList<string>)k.Value.EnumerateArray().Select(v => v.GetString()!).ToList()),
                root.GetProperty("texts").EnumerateObject().ToDictionary(t => t.Name, t => t.Value.GetString()!));
        }
        return new ConversationTexts(languages);
    }

    /// <summary>The keyword kind (status, help, stop, start, yes, no) <paramref name="word"/> is in <paramref name="language"/> or English.</summary>
    public string? Keyword(string word, string? language)
    {
        var upper = Fold(word);
        foreach (var code in language is null ? Codes : [language, "en"])
        {
            foreach (var (kind, words) in Languages[code].Keywords)
            {
                if (words.Any(w => Fold(w) == upper))
                {
                    return kind;
                }
            }
        }
        return null;
    }

    /// <summary>The language a first message is written in, when its script or a greeting says so.</summary>
    public string? Detect(string text)
    {
        foreach (var c in text)
        {
            if (c is >= '\u0980' and <= '\u09FF')
            {
                return "bn";
            }
            if (c is >= '\u0900' and <= '\u097F')
            {
                return "hi";
            }
        }
        var folded = Fold(text);
        foreach (var code in Codes)
        {
            if (Languages[code].Greetings.Any(g => folded == Fold(g) || folded.StartsWith(Fold(g) + " ", StringComparison.Ordinal)))
            {
                return code;
            }
        }
        return null;
    }

    /// <summary>Upper case without accents or surrounding punctuation: what a worker types on any keyboard.</summary>
    public static string Fold(string text)
    {
        var decomposed = text.Trim().Trim('.', '!', '?', ',').ToUpperInvariant().Normalize(NormalizationForm.FormD);
        var kept = decomposed.Where(c => CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark
            || c is >= '\u0900' and <= '\u09FF');
        return new string(kept.ToArray()).Normalize(NormalizationForm.FormC);
    }
}
