using Traceability.Contracts.Provenance;
using Traceability.Risk.Rules;

namespace Traceability.Tests;

[TestFixture]
public class When_a_shipment_is_checked_against_the_DOL_list
{
    private static readonly DolGoodsList List = DolGoodsList.LoadShipped();
    private readonly ShipmentOriginRule _rule = new(List, RuleCatalog.LoadShipped());

    private static ShipmentRecorded Shipment(string commodity, string origin) => new()
    {
        EventId = Guid.NewGuid(),
        TenantId = "acme",
        OccurredAt = DateTime.UtcNow,
        ShipmentId = Guid.NewGuid(),
        HsCode = "520100",
        Commodity = commodity,
        OriginCountry = origin,
        Quantity = 1,
        Unit = "t",
        ShipDate = new DateOnly(2026, 11, 1),
    };

    [Test]
    public void Should_hold_every_entry_of_the_2022_edition()
    {
        // dol-list.csv in shared/reference: 467 good × country rows, 78 countries, 159 goods + derived ones.
        Assert.That(List.Listings, Has.Count.EqualTo(467));
        Assert.That(List.Listings.Select(l => l.CountryCode).Distinct().Count(), Is.EqualTo(78));
        Assert.That(List.Listings.Select(l => l.CountryCode), Has.All.Matches<string>(Traceability.Hosting.CountryCodes.IsAssigned));
    }

    [Test]
    public void Should_flag_forced_labour_goods_as_high_and_name_the_list_entry()
    {
        var finding = _rule.Evaluate(Shipment("Cotton", "CN"));
        Assert.That(finding, Is.Not.Null);
        Assert.That(finding!.RuleId, Is.EqualTo("dol-goods-list"));
        Assert.That(finding.Severity, Is.EqualTo("high"));
        Assert.That(finding.Explanation, Does.Contain("Cotton from China (CN, origin)").And.Contain("2022").And.Contain("forced labour"));
        Assert.That(finding.EvidenceIds, Does.Contain("dol-2022:cotton:CN"));
    }

    [Test]
    public void Should_flag_child_labour_only_goods_as_medium()
    {
        Assert.That(_rule.Evaluate(Shipment("Cotton", "AR"))!.Severity, Is.EqualTo("medium"));
    }

    [Test]
    public void Should_not_flag_a_good_from_a_country_where_it_is_not_listed()
    {
        // Uzbek cotton left the list before the 2022 edition; German cotton was never on it.
        Assert.That(_rule.Evaluate(Shipment("Cotton", "UZ")), Is.Null);
        Assert.That(_rule.Evaluate(Shipment("Cotton", "DE")), Is.Null);
        Assert.That(_rule.Evaluate(Shipment("Quantum widgets", "CN")), Is.Null);
    }

    [TestCase("açaí berries", "BR")]
    [TestCase("ACAI BERRY", "BR")]
    [TestCase("Cobalt", "CD")]
    [TestCase("cobalt ore (heterogenite)", "CD")]
    [TestCase("Chestnuts", "BO")]
    [TestCase("Brazil nut", "PE")]
    [TestCase("  Tomatoes ", "MX")]
    public void Should_recognise_the_names_exporters_use(string commodity, string origin)
    {
        Assert.That(_rule.Evaluate(Shipment(commodity, origin)), Is.Not.Null, $"{commodity} from {origin}");
    }

    [Test]
    public void Should_not_read_a_qualifier_as_the_good_itself()
    {
        // "Nile Perch (fish)" is listed for Tanzania; fish in general is not.
        Assert.That(_rule.Evaluate(Shipment("Nile perch", "TZ")), Is.Not.Null);
        Assert.That(_rule.Evaluate(Shipment("Fish", "TZ")), Is.Null);
    }

    [Test]
    public void Should_describe_exploitation_in_inputs_for_derived_goods()
    {
        var finding = _rule.Evaluate(Shipment("Lithium-ion batteries", "CN"));
        Assert.That(finding!.Explanation, Does.Contain("inputs from Congo, Democratic Republic of the"));
        Assert.That(finding.Severity, Is.EqualTo("medium"));
    }

    [Test]
    public void Should_flag_a_listed_country_upstream_even_when_the_origin_is_not_listed()
    {
        var shipment = Shipment("Cocoa", "NL") with
        {
            Tiers =
            [
                new SupplyTier { FacilityId = Guid.NewGuid(), Country = "CI", Role = "grower" },
                new SupplyTier { FacilityId = Guid.NewGuid(), Country = "GH", Role = "cooperative" },
                new SupplyTier { FacilityId = Guid.NewGuid(), Country = "NL", Role = "processor" },
            ],
        };
        var finding = _rule.Evaluate(shipment);
        Assert.That(finding, Is.Not.Null);
        Assert.That(finding!.Explanation, Does.Contain("(CI, grower tier)").And.Contain("(GH, cooperative tier)").And.Not.Contain("(NL"));
        Assert.That(finding.EvidenceIds, Does.Contain("dol-2022:cocoa:CI").And.Contain("dol-2022:cocoa:GH"));
        Assert.That(finding.Severity, Is.EqualTo("high"));
    }

    [Test]
    public void Should_read_quoted_fields_with_commas()
    {
        var list = DolGoodsList.Parse(new StringReader(
            "good,sector,country,country_code,child_labor,forced_labor,forced_child_labor,derived_labor_exploitation,derived_country\n" +
            "\"Beans (green, soy, yellow)\",Agriculture,Burma,MM,Yes,Yes,Yes,No,\n"));
        Assert.That(list.Listings.Single().Good, Is.EqualTo("Beans (green, soy, yellow)"));
        Assert.That(list.Find("beans", "MM"), Is.Not.Null);
    }
}
