using System.Diagnostics;
using System.Text.Json;
using Traceability.Provenance.Features.CaptureEpcis;

namespace Traceability.Tests;

/// <summary>GS1's EPCIS 2.0 examples must pass; openepcis' invalid documents must not (../shared/reference/epcis).</summary>
[TestFixture]
public class When_an_EPCIS_document_is_validated
{
    private static readonly EpcisValidator Validator = new();

    private static string Folder => Path.GetFullPath(Path.Combine(RepositoryFiles.Root, "..", "shared", "reference", "epcis"));

    public static IEnumerable<TestCaseData> Valid() => Files("", "*.jsonld");

    public static IEnumerable<TestCaseData> Invalid() => Files("invalid", "*.json");

    private static IEnumerable<TestCaseData> Files(string sub, string pattern)
    {
        var dir = Path.Combine(Folder, sub);
        if (!Directory.Exists(dir))
        {
            yield return new TestCaseData("").SetName($"Reference folder {dir} missing");
            yield break;
        }
        foreach (var file in Directory.GetFiles(dir, pattern).Order(StringComparer.Ordinal))
        {
            yield return new TestCaseData(file).SetName(Path.GetFileName(file));
        }
    }

    [TestCaseSource(nameof(Valid))]
    public void Should_accept_the_GS1_example(string path)
    {
        if (path.Length == 0)
        {
            Assert.Ignore("../shared/reference/epcis is not beside this checkout: the GS1 examples were not run.");
        }
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var errors = document.RootElement.GetProperty("type").GetString() == "EPCISDocument"
            ? Validator.ValidateDocument(document.RootElement)
            : [];
        Assert.That(errors, Is.Empty, string.Join("\n", errors));
    }

    [TestCaseSource(nameof(Invalid))]
    public void Should_refuse_the_invalid_document(string path)
    {
        if (path.Length == 0)
        {
            Assert.Ignore("../shared/reference/epcis/invalid is not beside this checkout: the invalid documents were not run.");
        }
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var errors = Validator.ValidateDocument(document.RootElement);
        Assert.That(errors, Is.Not.Empty);
        TestContext.Out.WriteLine(string.Join("\n", errors));
    }

    [Test]
    public void Should_name_the_event_and_field_of_a_non_CBV_business_step_in_the_second_event()
    {
        var path = Path.Combine(Folder, "invalid", "ObjectEvent_with_non_standard_bizStep_in_second_event.json");
        if (!File.Exists(path))
        {
            Assert.Ignore("../shared/reference/epcis/invalid is not beside this checkout.");
        }
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var errors = Validator.ValidateDocument(document.RootElement);
        Assert.That(errors, Has.Some.Matches<EpcisError>(e => e.EventIndex == 1 && e.Field == "bizStep"));
        Assert.That(errors, Has.None.Matches<EpcisError>(e => e.EventIndex == 0));
    }

    [Test]
    public void Should_report_how_long_validation_takes()
    {
        var path = Path.Combine(Folder, "object_event_all_possible_fields.jsonld");
        if (!File.Exists(path))
        {
            Assert.Ignore("../shared/reference/epcis is not beside this checkout.");
        }
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        Validator.ValidateDocument(document.RootElement);
        var clock = Stopwatch.StartNew();
        const int runs = 50;
        for (var i = 0; i < runs; i++)
        {
            Assert.That(Validator.ValidateDocument(document.RootElement), Is.Empty);
        }
        // Measured, not asserted: printed for the benchmark notes.
        TestContext.Out.WriteLine($"EPCIS validation of a 1-event document (all fields): {clock.Elapsed.TotalMilliseconds / runs:F2} ms");
    }
}
