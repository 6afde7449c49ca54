using System.Text.RegularExpressions;
using Traceability.Grievances.Features.Converse;
using Traceability.Grievances.Sms;

namespace Traceability.Tests.Grievances;

/// <summary>Every language has every text, each with only its placeholders, and each fits the SMS budget filled with the longest values.</summary>
public class When_the_conversation_speaks_a_language
{
    private static readonly ConversationTexts Texts = ConversationTexts.LoadShipped();
    private static readonly int Budget = new SmsOptions().MaxSegments;

    public static IEnumerable<string> Languages => ConversationTexts.Codes;

    [TestCaseSource(nameof(Languages))]
    public void Should_have_every_text_and_keyword(string code)
    {
        var language = Texts.Languages[code];
        Assert.That(language.Texts.Keys, Is.EquivalentTo(ConversationTexts.Required.Keys), $"{code} has exactly the texts every language has");
        foreach (var (key, placeholders) in ConversationTexts.Required)
        {
            var used = Regex.Matches(language.Texts[key], @"\{(\w+)\}").Select(m => m.Groups[1].Value).Distinct();
            Assert.That(used, Is.EquivalentTo(placeholders), $"{code}.{key} uses its placeholders, all of them");
        }
        Assert.That(language.Keywords.Keys, Is.EquivalentTo(ConversationTexts.KeywordKinds));
        Assert.That(language.Keywords.Values, Has.All.Not.Empty);
    }

    [TestCaseSource(nameof(Languages))]
    public void Should_fit_every_reply_in_the_segment_budget(string code)
    {
        var language = Texts.Languages[code];
        var longestStatus = language.Texts.Where(t => t.Key.StartsWith("status.", StringComparison.Ordinal)).MaxBy(t => t.Value.Length).Value;
        var longestOutcome = language.Texts.Where(t => t.Key.StartsWith("outcome.", StringComparison.Ordinal)).MaxBy(t => t.Value.Length).Value;
        foreach (var key in ConversationTexts.Required.Keys.Where(k => k != "question"))
        {
            var text = language.Format(key, ("reference", "GR-WWWWWW"), ("status", longestStatus), ("outcome", longestOutcome), ("code", "WWWWWW"), ("number", "+880 1712-345678"));
            var size = SegmentCounter.Count(text);
            Assert.That(size.Segments, Is.LessThanOrEqualTo(Budget), $"{code}.{key} is {size.Segments} {size.Encoding} segments: {text}");
        }
        Assert.That(SegmentCounter.Count(Texts.LanguageMenu).Segments, Is.LessThanOrEqualTo(Budget));
        // A caseworker's question is checked against the budget when it is asked; a short one must fit in every language.
        Assert.That(SegmentCounter.Count(language.Format("question", ("reference", "GR-WWWWWW"), ("question", new string('x', 60)))).Segments,
            Is.LessThanOrEqualTo(Budget));
    }

    [Test]
    public void Should_understand_the_English_keywords_in_every_language()
    {
        foreach (var code in ConversationTexts.Codes)
        {
            Assert.That(Texts.Keyword("stop", code), Is.EqualTo("stop"));
            Assert.That(Texts.Keyword("Help", code), Is.EqualTo("help"));
        }
        Assert.That(Texts.Keyword("ayuda", "es"), Is.EqualTo("help"));
        Assert.That(Texts.Keyword("arrêt", "fr"), Is.EqualTo("stop"));
        Assert.That(Texts.Keyword("বন্ধ", "bn"), Is.EqualTo("stop"));
    }

    [TestCase("হ্যালো, আমি", "bn")]
    [TestCase("नमस्ते", "hi")]
    [TestCase("Hola!", "es")]
    [TestCase("habari yako", "sw")]
    [TestCase("xin chào", "vi")]
    [TestCase("qwerty", null)]
    public void Should_detect_a_first_message_s_language(string text, string? expected) =>
        Assert.That(Texts.Detect(text), Is.EqualTo(expected));
}
