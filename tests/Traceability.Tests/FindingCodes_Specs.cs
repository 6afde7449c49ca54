using System.Text;
using Traceability.Audits.Features.SubmitAudit;
using Traceability.Audits.Standards;

namespace Traceability.Tests;

[TestFixture]
public class When_findings_are_coded_on_the_canonical_list
{
    private static readonly FindingCodes Codes = FindingCodes.LoadShipped();

    [Test]
    public void Should_know_the_ILOs_eleven_indicators_and_use_each_of_them()
    {
        Assert.That(Codes.IloIndicators.Select(i => i.Id), Is.EquivalentTo(new[]
        {
            "abuse-of-vulnerability", "deception", "restriction-of-movement", "isolation", "physical-and-sexual-violence", "intimidation-and-threats",
            "retention-of-identity-documents", "withholding-of-wages", "debt-bondage", "abusive-working-and-living-conditions", "excessive-overtime",
        }));
        var used = Codes.All.SelectMany(c => c.IloIndicators).ToHashSet();
        Assert.That(Codes.IloIndicators.Select(i => i.Id), Is.SubsetOf(used), "every indicator has a code that finds it");
    }

    [Test]
    public void Should_map_the_issues_the_schemes_treat_as_zero_tolerance()
    {
        var zeroTolerance = Codes.All.Where(c => c.ZeroTolerance).Select(c => c.Code).ToList();
        Assert.That(zeroTolerance, Is.SupersetOf(new[] { "FL-FORCED-LABOUR", "CL-CHILD-LABOUR", "HS-IMMINENT-DANGER", "EB-UNETHICAL-BEHAVIOUR" }));
        Assert.That(Codes.All.Where(c => c.ZeroTolerance).Select(c => c.DefaultSeverity), Has.All.EqualTo("zero-tolerance"));
        Assert.That(Codes.Find("FL-DOCUMENTS-RETAINED")!.IloIndicators, Is.EqualTo(new[] { "retention-of-identity-documents" }));
    }

    [TestCase("smeta", "6.4", "HR-EXCESSIVE-OVERTIME")]
    [TestCase("smeta", "10c", "EB-UNETHICAL-BEHAVIOUR")]
    [TestCase("amfori-bsci", "PA9", "CL-CHILD-LABOUR")]
    [TestCase("sa8000", "5", "TR-DISCRIMINATION")]
    public void Should_map_a_schemes_own_item_to_its_one_code(string list, string item, string code) =>
        Assert.That(Codes.CodesFor(list, item), Is.EqualTo(new[] { code }));

    [Test]
    public void Should_leave_an_item_that_stands_for_several_codes_to_the_auditor()
    {
        Assert.That(Codes.CodesFor("amfori-bsci", "PA11"), Has.Count.GreaterThan(1).And.Contains("FL-DOCUMENTS-RETAINED"));
        Assert.That(Codes.CodesFor("smeta", "99.9"), Is.Empty);
    }

    [Test]
    public void Should_refuse_a_list_that_maps_a_code_to_something_that_is_not_an_ILO_indicator()
    {
        var json = """
            {"iloIndicators":[{"id":"deception","name":"Deception"}],
             "codes":[{"code":"X-1","title":"x","zeroTolerance":false,"defaultSeverity":"major","ilo":["lying"]}]}
            """;
        Assert.That(() => FindingCodes.Parse(new MemoryStream(Encoding.UTF8.GetBytes(json))), Throws.TypeOf<InvalidDataException>().With.Message.Contains("lying"));
    }

    [TestCase("Rainforest Alliance", "rainforest-alliance")]
    [TestCase("AMFORI-BSCI", "amfori-bsci")]
    [TestCase("sa 8000", "sa8000")]
    public void Should_find_a_scheme_by_its_name_in_any_case_and_spacing(string given, string id) => Assert.That(Schemes.Find(given)?.Id, Is.EqualTo(id));
}

[TestFixture]
public class When_findings_are_uploaded_as_a_CSV_file
{
    private static readonly FindingCodes Codes = FindingCodes.LoadShipped();
    private static readonly Scheme Smeta = Schemes.Find("smeta")!;
    private static readonly DateOnly AuditEnd = new(2026, 10, 14);
    private const string Sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private static (IReadOnlyList<ValidFinding> Findings, IDictionary<string, string[]> Errors) Read(string text, Encoding? encoding = null)
    {
        var (findings, errors) = FindingsCsv.Read((encoding ?? Encoding.UTF8).GetBytes(text), Smeta, AuditEnd, Codes);
        return (findings, errors.ToDictionary());
    }

    [Test]
    public void Should_read_every_good_row_with_codes_or_scheme_items()
    {
        var (findings, errors) = Read($"""
            Ref,Code,Scheme item,Severity,Description,Corrective action,Due date,Evidence SHA-256,Evidence type
            NC-1,FL-DOCUMENTS-RETAINED,,,Passports in the safe,Return them,2026-11-01,{Sha},image/jpeg
            NC-2,,6.4,major,"72 hours, in the harvest",,,,
            """);
        Assert.That(errors, Is.Empty);
        Assert.That(findings.Select(f => f.Code.Code), Is.EqualTo(new[] { "FL-DOCUMENTS-RETAINED", "HR-EXCESSIVE-OVERTIME" }));
        Assert.That(findings[0].Severity, Is.EqualTo("zero-tolerance"), "a zero-tolerance code's severity when none is given");
        Assert.That(findings[0].Evidence.Single().Sha256, Is.EqualTo(Sha));
        Assert.That(findings[0].CorrectiveActionDue, Is.EqualTo(new DateOnly(2026, 11, 1)));
        Assert.That(findings[1].Description, Is.EqualTo("72 hours, in the harvest"), "a quoted field keeps its separator");
    }

    [Test]
    public void Should_name_every_bad_row_by_its_spreadsheet_row_and_column()
    {
        var (findings, errors) = Read("""
            Code;Severity;Due date;Corrective action
            HR-NO-REST-DAY;major;2026-12-01;Rota
            NOT-A-CODE;major;;
            CL-CHILD-LABOUR;minor;;
            HR-NO-REST-DAY;major;01/12/2026;Rota
            HR-NO-REST-DAY;major;2026-01-01;Rota
            """);
        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "rows[3].Code", "rows[4].Severity", "rows[5].Due date", "rows[5].Corrective action", "rows[6].Due date" }));
        Assert.That(errors["rows[6].Due date"][0], Does.Contain("on or after the audit's last day"));
        Assert.That(findings, Has.Count.EqualTo(1), "only the good row is read; the caller stores nothing while any is bad");
    }

    [Test]
    public void Should_refuse_a_file_that_is_not_UTF_8()
    {
        var latin1 = Encoding.Latin1.GetBytes("Code,Description\nHR-NO-REST-DAY,Überstunden\n");
        var (_, latin1Errors) = FindingsCsv.Read(latin1, Smeta, AuditEnd, Codes);
        byte[] utf16 = [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("Code\nHR-NO-REST-DAY\n")];
        var (_, utf16Errors) = FindingsCsv.Read(utf16, Smeta, AuditEnd, Codes);
        Assert.That(latin1Errors.ToDictionary()["$"][0], Does.Contain("not UTF-8"));
        Assert.That(utf16Errors.ToDictionary()["$"][0], Does.Contain("UTF-16"));
    }

    [TestCase("", "empty")]
    [TestCase("Code,Colour\nHR-NO-REST-DAY,red\n", "not one this upload reads")]
    [TestCase("Severity\nmajor\n", "Code or a Scheme item")]
    [TestCase("Code\n", "no findings")]
    public void Should_refuse_a_file_whose_header_or_body_is_unusable(string text, string message)
    {
        var (findings, errors) = Read(text);
        Assert.That(findings, Is.Empty);
        Assert.That(errors["$"][0], Does.Contain(message));
    }

    [Test]
    public void Should_refuse_a_row_with_more_fields_than_the_header()
    {
        var (_, errors) = Read("Code,Severity\nHR-NO-REST-DAY,major,extra\n");
        Assert.That(errors.Keys.Single(), Does.StartWith("rows[2]").Or.EqualTo("$"));
    }
}
