using System.Text.Json;
using Traceability.Grievances.Sms;

namespace Traceability.Tests.Grievances;

/// <summary>The segment counter against TwilioDevEd/message-segment-calculator's cases (../shared/reference/sms-segments.json).</summary>
public class When_an_sms_is_counted_in_segments
{
    private static string File => Path.Combine(RepositoryFiles.Root, "..", "shared", "reference", "sms-segments.json");

    public static IEnumerable<TestCaseData> Cases()
    {
        if (!System.IO.File.Exists(File))
        {
            yield break;
        }
        using var document = JsonDocument.Parse(System.IO.File.ReadAllText(File));
        var i = 0;
        foreach (var c in document.RootElement.EnumerateArray())
        {
            var note = c.GetProperty("note").GetString()!;
            // The Malaysia case is built with the country rule (carriers there take no GSM accented letters).
            var country = note.Contains("'MY'", StringComparison.Ordinal) ? "MY" : null;
            int? segments = c.GetProperty("segments").ValueKind == JsonValueKind.Number ? c.GetProperty("segments").GetInt32() : null;
            yield return new TestCaseData(c.GetProperty("text").GetString()!, country, c.GetProperty("encoding").GetString()!, segments)
                .SetName($"Case {i++:D2}: {note[..Math.Min(note.Length, 70)]}");
        }
    }

    [Test]
    public void Should_have_all_53_reference_cases()
    {
        if (!System.IO.File.Exists(File))
        {
            Assert.Ignore($"{File} is not there.");
        }
        Assert.That(Cases().Count(), Is.EqualTo(53));
    }

    [TestCaseSource(nameof(Cases))]
    public void Should_count_as_the_reference_calculator(string text, string? country, string encoding, int? segments)
    {
        var size = SegmentCounter.Count(text, country);
        Assert.That(size.Encoding, Is.EqualTo(encoding));
        if (segments is { } expected)
        {
            Assert.That(size.Segments, Is.EqualTo(expected));
        }
    }

    [Test]
    public void Should_never_split_an_extension_character_across_parts()
    {
        // 152 plain septets then '€' (2 septets): 154 do not fit one part of 153, the escape pair moves whole.
        var text = new string('a', 152) + "€" + new string('a', 10);
        Assert.That(SegmentCounter.Count(text), Is.EqualTo(new SmsSize("GSM-7", 2, 164)));
    }
}
