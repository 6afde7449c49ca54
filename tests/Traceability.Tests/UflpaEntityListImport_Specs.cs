using Microsoft.Extensions.Configuration;
using Traceability.Risk.Features.ImportEntityList;
using Traceability.Risk.Rules;
using Traceability.Risk.Rules.Uflpa;

namespace Traceability.Tests;

[TestFixture]
public class When_DHS_s_UFLPA_Entity_List_page_is_read
{
    internal static readonly string Page = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "tests/Traceability.Tests/Fixtures/uflpa-entity-list-page.html"));

    [Test]
    public void Should_read_every_entity_with_its_aliases_section_and_effective_date()
    {
        var list = DhsEntityListPage.Read(Page);
        Assert.That(list.LastUpdated, Is.EqualTo(new DateOnly(2025, 1, 15)));
        var spinning = list.Entities.Single(e => e.Name == "Tianshan Example Cotton Spinning Co., Ltd.");
        Assert.That(spinning.Aliases, Is.EqualTo(new[] { "Tianshan Example Spinning", "Example Cotton (Tianshan) Co., Ltd." }));
        Assert.That(spinning.Effective, Is.EqualTo(new DateOnly(2022, 6, 21)));
        Assert.That(spinning.Section, Is.EqualTo("section 2(d)(2)(B)(i)"));
        Assert.That(list.Entities.Single(e => e.Name == "Example Labour Dispatch Group").Aliases, Is.EqualTo(new[] { "Example Manpower Services Group" }));
        Assert.That(list.Entities.Single(e => e.Name == "Example Apparel Co., Ltd.").Section, Is.EqualTo("section 2(d)(2)(B)(v)"));
    }

    [Test]
    public void Should_list_each_named_subsidiary_as_an_entity_of_its_own()
    {
        var list = DhsEntityListPage.Read(Page);
        Assert.That(list.Entities.Single(e => e.Name == "Example Polysilicon (Hami) Co., Ltd.").Section,
            Is.EqualTo("section 2(d)(2)(B)(i), subsidiary of Example Polysilicon Materials Co., Ltd."));
        Assert.That(list.Entities.Where(e => e.Section.Contains("subsidiary of Example Agricultural Holding", StringComparison.Ordinal)).Select(e => e.Name),
            Is.EqualTo(new[] { "Example Agri Urumqi Co., Ltd.", "Example Seeds Urumqi Co., Ltd.", "Example Orchards Urumqi Co., Ltd." }));
    }

    [TestCase("X Co., Ltd. (including one alias: Y Co.)", "X Co., Ltd.", "Y Co.")]
    [TestCase("X Co. (including three aliases: A; B; and C)", "X Co.", "A|B|C")]
    [TestCase("X Co. (including two aliases: Alpha Trading and Beta Trading)", "X Co.", "Alpha Trading|Beta Trading")]
    [TestCase("X Co. (formerly known as Old X Co.) and its subordinate and affiliated entities", "X Co.", "Old X Co.")]
    [TestCase("Xinjiang Example Construction Corps (XECC)", "Xinjiang Example Construction Corps", "XECC")]
    [TestCase("Example (Shanshan) Co., Ltd.", "Example (Shanshan) Co., Ltd.", "")]
    public void Should_take_a_name_cell_apart(string cell, string main, string aliases)
    {
        Assert.That(DhsEntityListPage.TryReadNames(cell, out var names, out var problem), Is.True, problem);
        Assert.That(names.Main, Is.EqualTo(main));
        Assert.That(string.Join('|', names.Aliases), Is.EqualTo(aliases));
    }

    [TestCase("June 21, 2022", "June 31, 2022", "effective date 'June 31, 2022' is not a date")]
    [TestCase("(including two aliases: Tianshan Example Spinning; and Example Cotton (Tianshan) Co., Ltd.)", "(including three aliases: Tianshan Example Spinning; and Example Cotton (Tianshan) Co., Ltd.)", "it says 3 alias(es) but 2")]
    [TestCase("Example Apparel Co., Ltd., and Subsidiaries", "Example Apparel Co., Ltd., and its joint ventures", "neither aliases nor subsidiaries")]
    [TestCase("<td>Example Labour Dispatch Group (also known as Example Manpower Services Group)</td><td>August 2, 2023</td>", "<td>Example Labour Dispatch Group</td>", "1 cell(s) where the header has 2")]
    public void Should_refuse_a_malformed_row_naming_its_table_and_row(string from, string to, string error)
    {
        var broken = Page.Replace(from, to, StringComparison.Ordinal);
        Assert.That(broken, Is.Not.EqualTo(Page), "the fixture holds the text to break");
        Assert.That(() => DhsEntityListPage.Read(broken), Throws.TypeOf<FormatException>().With.Message.Contains("Table ").And.Message.Contains(error));
    }

    [Test]
    public void Should_refuse_a_page_without_the_list_s_tables_or_a_table_without_its_section_heading()
    {
        Assert.That(() => DhsEntityListPage.Read("<html><body><p>Access denied</p></body></html>"),
            Throws.TypeOf<FormatException>().With.Message.Contains("No UFLPA Entity List table"));
        var headless = Page.Replace("<p><strong>Entities working with", "<div></div><p hidden><strong>Entities working with", StringComparison.Ordinal)
            .Replace("<a href=\"#ii\">UFLPA Section 2(d)(2)(B)(ii)</a></p>", "</p><span></span>", StringComparison.Ordinal);
        Assert.That(DhsEntityListPage.Read(headless).Entities.Single(e => e.Name == "Example Labour Dispatch Group").Section, Does.Not.Contain("2(d)(2)(B)"),
            "a heading without a section is kept as its words");
    }
}

[TestFixture]
public class When_the_UFLPA_Entity_List_is_imported
{
    private static readonly DateOnly AsOf = new(2025, 1, 15);

    private static (UflpaEntityList List, EntityListChanges Changes) Import(UflpaEntityList current, string page, DateOnly asOf, bool confirm = false) =>
        EntityListImport.Merge(current, DhsEntityListPage.Read(page), asOf, confirm);

    [Test]
    public void Should_replace_the_hand_compiled_subset_with_the_official_entities()
    {
        var (list, changes) = Import(UflpaEntityList.LoadShipped(), When_DHS_s_UFLPA_Entity_List_page_is_read.Page, AsOf);
        Assert.That(list.Entities.Select(e => e.Source), Has.None.StartWith("hand-compiled"));
        Assert.That(changes.HandCompiledNotFound, Has.Count.EqualTo(22), "none of the invented fixture entities is in the shipped subset");
        Assert.That(changes.Added, Has.Count.EqualTo(list.Entities.Count));
        var polysilicon = list.Entities.Single(e => e.Name == "Example Polysilicon Materials Co., Ltd.");
        Assert.That((polysilicon.Added, polysilicon.Basis), Is.EqualTo((new DateOnly(2022, 6, 21), "section 2(d)(2)(B)(i); section 2(d)(2)(B)(v)")),
            "listed under two sections: one entity, from the earlier date");
        Assert.That(polysilicon.Source, Is.EqualTo("DHS UFLPA Entity List as of 2025-01-15"));
    }

    [Test]
    public void Should_write_a_file_that_reads_back_the_same()
    {
        var (list, _) = Import(UflpaEntityList.LoadShipped(), When_DHS_s_UFLPA_Entity_List_page_is_read.Page, AsOf);
        using var writer = new StringWriter();
        list.Write(writer);
        var read = UflpaEntityList.Parse(new StringReader(writer.ToString()));
        Assert.That(read.Entities.Select(e => (e.Name, string.Join('|', e.Aliases), e.Added, e.Removed, e.Basis, e.Source)),
            Is.EqualTo(list.Entities.Select(e => (e.Name, string.Join('|', e.Aliases), e.Added, e.Removed, e.Basis, e.Source))));
    }

    [Test]
    public void Should_match_an_imported_entity_from_its_effective_date_and_until_it_is_removed()
    {
        var (first, _) = Import(new UflpaEntityList([]), When_DHS_s_UFLPA_Entity_List_page_is_read.Page, AsOf);
        var withoutApparel = When_DHS_s_UFLPA_Entity_List_page_is_read.Page.Replace("<tr><td>Example Apparel Co., Ltd., and Subsidiaries</td><td>May 16, 2024</td></tr>", "", StringComparison.Ordinal);
        var removedOn = new DateOnly(2025, 3, 1);
        Assert.That(() => Import(first, withoutApparel, removedOn), Throws.TypeOf<FormatException>().With.Message.Contains("Example Apparel Co., Ltd.").And.Message.Contains("--confirm-removals"),
            "an absence may be a page saved incomplete: removals are confirmed");
        var (second, changes) = Import(first, withoutApparel, removedOn, confirm: true);
        Assert.That(changes.Removed, Is.EqualTo(new[] { "Example Apparel Co., Ltd." }));
        Assert.That(changes.Unchanged, Is.EqualTo(first.Entities.Count - 1));

        var rule = new UflpaRule(RiskFixtures.Catalog, second);
        var facility = RiskFixtures.Facility("EXAMPLE APPAREL COMPANY LIMITED");
        Assert.That(rule.Assess(facility, new DateOnly(2024, 5, 15)).Listed, Is.Null, "the day before it took effect");
        Assert.That(rule.Assess(facility, new DateOnly(2024, 5, 16)).Listed!.Score, Is.EqualTo(1.0));
        Assert.That(rule.Assess(facility, new DateOnly(2025, 2, 28)).Listed, Is.Not.Null, "the last day listed");
        Assert.That(rule.Assess(facility, removedOn).Listed, Is.Null, "removed");
        Assert.That(rule.Assess(RiskFixtures.Facility("Example Agri Urumqi Co Ltd"), AsOf).Listed!.MatchedName, Is.EqualTo("Example Agri Urumqi Co., Ltd."),
            "a named subsidiary is matched on its own");
        Assert.That(rule.Assess(RiskFixtures.Facility("Example Manpower Services Group"), AsOf).Listed!.Entity.Name, Is.EqualTo("Example Labour Dispatch Group"),
            "by alias");

        var (third, again) = Import(second, When_DHS_s_UFLPA_Entity_List_page_is_read.Page, new DateOnly(2025, 6, 1));
        Assert.That(again.Relisted, Is.EqualTo(new[] { "Example Apparel Co., Ltd." }));
        Assert.That(third.Entities.Single(e => e.Name == "Example Apparel Co., Ltd.").Removed, Is.Null);
    }

    [Test]
    public void Should_refuse_an_as_of_day_before_an_entity_s_effective_date()
    {
        Assert.That(() => Import(UflpaEntityList.LoadShipped(), When_DHS_s_UFLPA_Entity_List_page_is_read.Page, new DateOnly(2024, 11, 24)),
            Throws.TypeOf<FormatException>().With.Message.Contains("effective after the as-of day 2024-11-24"));
    }

    [Test]
    public void Should_refuse_a_list_file_that_is_not_the_dated_list()
    {
        Assert.That(() => UflpaEntityList.Parse(new StringReader("name,aliases,added,basis\nX Co.,,21/06/2022,\n")),
            Throws.TypeOf<FormatException>().With.Message.Contains("Line 2: added '21/06/2022' is not a date"));
        Assert.That(() => UflpaEntityList.Parse(new StringReader("name,aliases,basis\nX Co.,,\n")),
            Throws.TypeOf<FormatException>().With.Message.Contains("no 'added' column"));
        Assert.That(() => UflpaEntityList.Parse(new StringReader("name,aliases,added,removed,basis\nX Co.,,2024-01-02,2024-01-01,\n")),
            Throws.TypeOf<FormatException>().With.Message.Contains("removed on or before the day it was added"));
    }
}

[TestFixture]
public class When_an_operator_runs_the_UFLPA_Entity_List_import
{
    private string _directory = "";

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("uflpa-import-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    private static async Task<(int Exit, string Output, string Error)> RunAsync(IConfiguration configuration, params string[] args)
    {
        using StringWriter output = new(), error = new();
        var exit = await EntityListCommandLine.RunAsync(configuration, args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Test]
    public async Task Should_write_the_file_Risk_reads_through_its_configuration()
    {
        var page = Path.Combine(_directory, "page.html");
        await File.WriteAllTextAsync(page, When_DHS_s_UFLPA_Entity_List_page_is_read.Page);
        var file = Path.Combine(_directory, "uflpa-entity-list.csv");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Risk:UflpaEntityListFile"] = file }).Build();

        var (exit, output, error) = await RunAsync(configuration, "uflpa-entity-list", "import", page, "--out", file);
        Assert.That((exit, error), Is.EqualTo((0, "")));
        Assert.That(output, Does.Contain("\"asOf\": \"2025-01-15\"").And.Contain("\"entities\": 9"), "the page's Last Updated day; 9 entities with the named subsidiaries");
        var loaded = UflpaEntityList.Load(configuration);
        Assert.That(loaded.Entities.Select(e => e.Name), Does.Contain("Example Seeds Urumqi Co., Ltd."));

        // Run again on the file it wrote (read from the configuration): nothing changes.
        (exit, output, _) = await RunAsync(configuration, "uflpa-entity-list", "import", page);
        Assert.That(exit, Is.EqualTo(0));
        Assert.That(output, Does.Contain("\"unchanged\": 9").And.Contain("\"added\": []"));
    }

    [Test]
    public async Task Should_refuse_and_write_nothing_when_the_page_is_malformed_or_the_arguments_wrong()
    {
        var page = Path.Combine(_directory, "page.html");
        await File.WriteAllTextAsync(page, When_DHS_s_UFLPA_Entity_List_page_is_read.Page.Replace("May 16, 2024", "16 May", StringComparison.Ordinal));
        var file = Path.Combine(_directory, "list.csv");
        var empty = new ConfigurationBuilder().Build();

        var (exit, _, error) = await RunAsync(empty, "uflpa-entity-list", "import", page, "--out", file);
        Assert.That((exit, error), Is.EqualTo((1, "Table 3 (section 2(d)(2)(B)(v)), row 2: effective date '16 May' is not a date (e.g. June 21, 2022)." + Environment.NewLine)));
        Assert.That(File.Exists(file), Is.False);

        (exit, _, error) = await RunAsync(empty, "uflpa-entity-list", "import", page);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(error, Does.StartWith("Name the file to write with --out"));
        (exit, _, error) = await RunAsync(empty, "uflpa-entity-list", "import", page, "--as-of", "15/01/2025", "--out", file);
        Assert.That((exit, error.Trim()), Is.EqualTo((1, "--as-of '15/01/2025' is not a date (yyyy-mm-dd).")));
    }
}
