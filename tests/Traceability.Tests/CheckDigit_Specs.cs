using System.Text.Json;
using Traceability.Hosting;

namespace Traceability.Tests;

/// <summary>GS1's own and third-party check-digit vectors from ../shared/reference/gs1-check-digits.json.</summary>
[TestFixture]
public class When_a_GS1_identifier_is_checked
{
    private static string VectorsPath => Path.GetFullPath(Path.Combine(RepositoryFiles.Root, "..", "shared", "reference", "gs1-check-digits.json"));

    public static IEnumerable<TestCaseData> Vectors()
    {
        if (!File.Exists(VectorsPath))
        {
            yield return new TestCaseData(null, null, false).SetName("Reference vectors missing");
            yield break;
        }
        using var document = JsonDocument.Parse(File.ReadAllText(VectorsPath));
        foreach (var vector in document.RootElement.EnumerateArray())
        {
            var value = vector.GetProperty("value").GetString()!;
            var type = vector.GetProperty("type").GetString()!;
            var valid = vector.GetProperty("valid").GetBoolean();
            yield return new TestCaseData(value, type, valid).SetName($"{type}: '{value}' is {(valid ? "valid" : "invalid")}");
        }
    }

    [TestCaseSource(nameof(Vectors))]
    public void Should_agree_with_the_reference_vector(string? value, string? type, bool valid)
    {
        if (value is null || type is null)
        {
            Assert.Ignore($"../shared/reference/gs1-check-digits.json is not beside this checkout ({VectorsPath}); the GS1 vectors were not run.");
        }
        bool Check() => type switch
        {
            _ when type.StartsWith("GLN", StringComparison.Ordinal) => CheckDigit.IsGln(value),
            _ when type.StartsWith("SSCC", StringComparison.Ordinal) => CheckDigit.IsSscc(value),
            _ when type.StartsWith("GTIN", StringComparison.Ordinal) || type.StartsWith("EAN", StringComparison.Ordinal) => CheckDigit.IsGtin(value),
            _ => CheckDigit.IsValid(value),
        };
        Assert.That(Check(), Is.EqualTo(valid), $"{type} {value}");
    }

    [Test]
    public void Should_have_run_every_reference_vector()
    {
        if (!File.Exists(VectorsPath))
        {
            Assert.Ignore("../shared/reference is not beside this checkout.");
        }
        Assert.That(Vectors().Count(), Is.EqualTo(40));
    }

    [TestCase("4006381333931", "04006381333931")]
    [TestCase("02345673", "00000002345673")]
    public void Should_pad_a_GTIN_to_14_digits(string gtin, string gtin14) => Assert.That(CheckDigit.ToGtin14(gtin), Is.EqualTo(gtin14));
}
