using Traceability.Contracts.Provenance;
using Traceability.Risk.Flags;
using Traceability.Risk.Rules;
using Traceability.Risk.Rules.Uflpa;

namespace Traceability.Tests;

internal static class RiskFixtures
{
    public static readonly RuleCatalog Catalog = RuleCatalog.LoadShipped();

    public static FacilityFacts Facility(string name, string country = "CN", string? region = null, decimal? lat = null, decimal? lon = null, string? gln = "6901234567892") =>
        new() { ProvenanceId = Guid.NewGuid(), Gln = gln, Name = name, Country = country, Region = region, Latitude = lat, Longitude = lon };

    public static ShipmentRecorded Shipment(Guid? origin = null, params SupplyTier[] tiers) => new()
    {
        EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = DateTime.UtcNow, ShipmentId = Guid.NewGuid(), HsCode = "520100", Commodity = "Cotton",
        OriginCountry = "VN", Quantity = 10, Unit = "t", ShipDate = new DateOnly(2026, 11, 1), OriginFacilityId = origin, Tiers = tiers,
    };
}

[TestFixture]
public class When_a_facility_is_checked_against_the_UFLPA
{
    private readonly UflpaRule _rule = new(RiskFixtures.Catalog, UflpaEntityList.LoadShipped());
    private static readonly DateOnly Today = new(2026, 11, 26);

    [TestCase("Xinjiang")]
    [TestCase("CN-XJ")]
    [TestCase("cn-65")]
    [TestCase("Xinjiang Uyghur Autonomous Region")]
    [TestCase("  SINKIANG ")]
    [TestCase("新疆维吾尔自治区")]
    [TestCase("Xinjiang, Kashgar Prefecture")]
    public void Should_find_the_region_however_it_is_written(string region)
    {
        Assert.That(_rule.Assess(RiskFixtures.Facility("Mill", region: region), Today).InRegion, Is.Not.Null);
    }

    [TestCase(43.80, 87.60, "Urumqi")]
    [TestCase(39.47, 75.99, "Kashgar")]
    [TestCase(37.11, 79.93, "Hotan")]
    [TestCase(41.17, 80.26, "Aksu")]
    [TestCase(42.82, 93.51, "Hami")]
    [TestCase(47.84, 88.14, "Altay")]
    public void Should_find_a_geo_point_inside_the_region(decimal lat, decimal lon, string city)
    {
        Assert.That(_rule.Assess(RiskFixtures.Facility("Mill", lat: lat, lon: lon), Today).InRegion, Does.Contain("geo point"), city);
    }

    [TestCase(36.06, 103.83, "Lanzhou")]
    [TestCase(40.14, 94.66, "Dunhuang, Gansu")]
    [TestCase(36.40, 94.90, "Golmud, Qinghai")]
    [TestCase(43.24, 76.89, "Almaty, Kazakhstan")]
    [TestCase(42.87, 74.59, "Bishkek, Kyrgyzstan")]
    [TestCase(29.65, 91.12, "Lhasa")]
    [TestCase(31.23, 121.47, "Shanghai")]
    public void Should_not_place_a_point_outside_the_region_inside_it(decimal lat, decimal lon, string city)
    {
        Assert.That(_rule.Assess(RiskFixtures.Facility("Mill", lat: lat, lon: lon), Today).InRegion, Is.Null, city);
    }

    [Test]
    public void Should_not_read_a_region_name_outside_China_or_a_neighbouring_province()
    {
        Assert.That(_rule.Assess(RiskFixtures.Facility("Mill", "KZ", region: "Xinjiang"), Today).InRegion, Is.Null, "a Kazakh address naming Xinjiang");
        Assert.That(_rule.Assess(RiskFixtures.Facility("Mill", region: "Gansu"), Today).InRegion, Is.Null);
    }

    [TestCase("Hoshine Silicon Industry (Shanshan) Co., Ltd.")]
    [TestCase("HOSHINE SILICON INDUSTRY SHANSHAN COMPANY LIMITED")]
    [TestCase("Hoshine Silicon Industy (Shanshan)")]
    [TestCase("Xin Jiang Daqo New-Energy Co Ltd")]
    [TestCase("Hotan Taida Apparel Co.")]
    [TestCase("Akesu Huafu Textile Co., Ltd")]
    [TestCase("XPCC")]
    [TestCase("Sinkiang Production & Construction Corps")]
    [TestCase("Xinjiang Zhunge'er Cotton & Linen Co.")]
    public void Should_match_the_Entity_List_whatever_the_case_punctuation_suffix_or_transliteration(string name)
    {
        var match = _rule.Assess(RiskFixtures.Facility(name), Today).Listed;
        Assert.That(match, Is.Not.Null, name);
        Assert.That(match!.Score, Is.GreaterThanOrEqualTo(0.88).And.LessThanOrEqualTo(1));
    }

    [TestCase("Shanshan Silicon Trading Co.")]
    [TestCase("Xinjiang Cotton Traders Ltd")]
    [TestCase("Camel Trading Co.")]
    [TestCase("Hefei Textiles Ltd")]
    [TestCase("Ninestar Logistics Pte")]
    [TestCase("Daqo")]
    public void Should_not_match_a_name_that_only_shares_words_with_a_listed_entity(string name)
    {
        Assert.That(_rule.Assess(RiskFixtures.Facility(name), Today).Listed, Is.Null, name);
    }

    [Test]
    public void Should_match_an_entity_only_from_the_day_it_was_listed()
    {
        var facility = RiskFixtures.Facility("Ninestar Corporation");
        Assert.That(_rule.Assess(facility, new DateOnly(2023, 6, 11)).Listed, Is.Null, "the day before it was added");
        Assert.That(_rule.Assess(facility, new DateOnly(2023, 6, 12)).Listed!.Entity.Added, Is.EqualTo(new DateOnly(2023, 6, 12)));
    }

    [Test]
    public void Should_flag_the_facility_and_a_shipment_naming_it_with_the_match_and_its_score_in_the_evidence()
    {
        var facility = RiskFixtures.Facility("Hotan Taida Apparel", region: "Xinjiang");
        var own = _rule.ForFacility(facility, "acme", Today).ToList();
        Assert.That(own.Select(s => (s.RuleId, s.Severity, s.Subject)), Is.EquivalentTo(new[]
        {
            ("uflpa-region", "critical", FlagSubject.Facility("6901234567892")), ("uflpa-entity", "critical", FlagSubject.Facility("6901234567892")),
        }));
        var entity = own.Single(s => s.RuleId == "uflpa-entity");
        Assert.That(entity.Evidence.Single(e => e.Id.StartsWith("uflpa-entity:", StringComparison.Ordinal)).Note, Does.Contain("score 1.000").And.Contain("2022-06-21"));
        Assert.That(entity.Explanation, Does.Contain("Hetian Taida Apparel Co. Ltd."));

        var shipment = RiskFixtures.Shipment();
        var signals = _rule.ForShipment(ShipmentFacts.Of(shipment), [(facility, "sewing tier")]).ToList();
        Assert.That(signals.Select(s => s.Subject), Has.All.EqualTo(FlagSubject.Shipment(shipment.ShipmentId)));
        Assert.That(signals.Select(s => s.Scope), Has.All.EqualTo(new FlagScope("CN", "52")));
        Assert.That(signals.First().EvidenceIds, Does.Contain($"shipment:{shipment.ShipmentId}").And.Contain("facility:6901234567892"));
    }

    [Test]
    public void Should_raise_nothing_for_a_facility_elsewhere_with_an_unlisted_name()
    {
        Assert.That(_rule.ForFacility(RiskFixtures.Facility("Shanghai Knitwear", region: "Shanghai", lat: 31.23m, lon: 121.47m), "acme", Today), Is.Empty);
    }
}

[TestFixture]
public class When_a_shipment_is_checked_for_holds_and_gaps
{
    private readonly HoldRule _hold = new(RiskFixtures.Catalog);
    private readonly ProvenanceGapRule _gaps = new(RiskFixtures.Catalog);

    [Test]
    public void Should_hold_a_shipment_from_a_facility_with_an_open_critical_flag()
    {
        var mill = RiskFixtures.Facility("Mill");
        var flag = Guid.NewGuid();
        var held = _hold.Evaluate(RiskFixtures.Shipment(mill.ProvenanceId), [(mill, flag, "uflpa-region")]);
        Assert.That((held!.RuleId, held.Severity), Is.EqualTo(("hold", "critical")));
        Assert.That(held.EvidenceIds, Does.Contain($"flag:{flag}"));
        Assert.That(held.Explanation, Does.Contain("'Mill' (open critical flag: uflpa-region)"));
    }

    [Test]
    public void Should_not_hold_a_shipment_whose_facilities_have_no_open_critical_flag()
    {
        Assert.That(_hold.Evaluate(RiskFixtures.Shipment(), []), Is.Null);
    }

    [Test]
    public void Should_find_an_origin_never_audited_or_audited_too_long_before_the_ship_date()
    {
        var origin = RiskFixtures.Facility("Mill");
        var shipment = RiskFixtures.Shipment(origin.ProvenanceId);
        Assert.That(_gaps.Evaluate(shipment, origin, null)!.Explanation, Does.Contain("never been audited"));
        Assert.That(_gaps.Evaluate(shipment, origin, new DateOnly(2025, 10, 31))!.Explanation, Does.Contain("last audited on 2025-10-31"));
        Assert.That(_gaps.Evaluate(shipment, origin, new DateOnly(2025, 11, 1)), Is.Null, "exactly 365 days before");
        Assert.That(_gaps.Evaluate(shipment, origin, new DateOnly(2026, 6, 1)), Is.Null);
    }

    [Test]
    public void Should_find_a_tier_that_names_no_facility_and_nothing_in_a_shipment_that_names_none()
    {
        var unnamed = RiskFixtures.Shipment(null, new SupplyTier { FacilityId = Guid.Empty, Country = "IN", Role = "spinner" });
        Assert.That(_gaps.Evaluate(unnamed, null, null)!.Explanation, Does.Contain("1 tier(s) (spinner in IN) name no facility"));
        Assert.That(_gaps.Evaluate(RiskFixtures.Shipment(), null, null), Is.Null, "no origin facility, no tiers: nothing to check");
    }
}

[TestFixture]
public class When_signals_at_a_facility_are_combined
{
    private readonly IloIndicatorRule _ilo = new(RiskFixtures.Catalog);
    private readonly ReprisalRule _reprisal = new(RiskFixtures.Catalog);
    private static readonly FacilityFacts Mill = RiskFixtures.Facility("Mill", "BD");
    private static readonly DateTime Now = new(2026, 11, 26, 0, 0, 0, DateTimeKind.Utc);

    private static IndicatorSignal Signal(string indicator, string source, int daysAgo, string? id = null) =>
        new(indicator, source, id ?? $"{source}:{Guid.NewGuid()}", Now.AddDays(-daysAgo));

    [Test]
    public void Should_count_one_indicator_from_two_independent_sources_more_than_two_from_one()
    {
        var twoFromOne = _ilo.Evaluate(Mill, "x", [Signal("withholding-of-wages", "grievance", 3), Signal("excessive-overtime", "grievance", 2)]);
        var oneFromTwo = _ilo.Evaluate(Mill, "x", [Signal("withholding-of-wages", "grievance", 3), Signal("withholding-of-wages", "audit", 2)]);
        Assert.That(twoFromOne, Is.Null, "score 2 under the threshold 3");
        Assert.That(oneFromTwo, Is.Not.Null);
        Assert.That((oneFromTwo!.Severity, oneFromTwo.Subject), Is.EqualTo((Severity.Medium, FlagSubject.Facility(Mill.Key))));
        Assert.That(oneFromTwo.Explanation, Does.Contain("withholding-of-wages (audit and grievance: 3); score 3, threshold 3"));
    }

    [Test]
    public void Should_not_count_many_grievances_of_one_indicator_as_more_than_one_source()
    {
        Assert.That(_ilo.Evaluate(Mill, "x", Enumerable.Range(0, 10).Select(i => Signal("withholding-of-wages", "grievance", i)).ToList()), Is.Null);
    }

    [Test]
    public void Should_be_high_from_six_and_leave_signals_outside_the_window_out()
    {
        List<IndicatorSignal> signals =
        [
            Signal("withholding-of-wages", "grievance", 1), Signal("withholding-of-wages", "audit", 2),
            Signal("retention-of-identity-documents", "grievance", 3), Signal("retention-of-identity-documents", "audit", 4),
        ];
        Assert.That(_ilo.Evaluate(Mill, "x", signals)!.Severity, Is.EqualTo(Severity.High));
        var old = signals.Take(2).Concat([Signal("retention-of-identity-documents", "grievance", 300), Signal("retention-of-identity-documents", "audit", 400)]).ToList();
        var found = _ilo.Evaluate(Mill, "x", old)!;
        Assert.That((found.Severity, found.Evidence.Count), Is.EqualTo((Severity.Medium, 2)), "signals 180+ days before the newest do not count");
    }

    [Test]
    public void Should_warn_when_grievances_stop_after_an_acknowledgement_against_the_facility_s_own_rate()
    {
        var acknowledged = Now.AddDays(-60);
        // Six in the 90 days before: 0.067 a day, four expected in the 60 days since; none came.
        var filed = Enumerable.Range(1, 6).Select(i => acknowledged.AddDays(-i * 14)).ToList();
        var warning = _reprisal.Evaluate(Mill, "x", Guid.NewGuid(), acknowledged, filed, Now);
        Assert.That((warning!.RuleId, warning.Severity), Is.EqualTo(("reprisal-warning", "high")));
        Assert.That(warning.Explanation, Does.Contain("6 in the 90 days before, none in the 60 days since").And.Contain("4.0"));
    }

    [Test]
    public void Should_not_warn_while_grievances_still_come_or_the_baseline_is_too_thin_or_too_little_time_passed()
    {
        var acknowledged = Now.AddDays(-60);
        var filed = Enumerable.Range(1, 6).Select(i => acknowledged.AddDays(-i * 14)).ToList();
        Assert.That(_reprisal.Evaluate(Mill, "x", Guid.NewGuid(), acknowledged, [.. filed, acknowledged.AddDays(30)], Now), Is.Null, "one came since");
        Assert.That(_reprisal.Evaluate(Mill, "x", Guid.NewGuid(), acknowledged, filed.Take(2).ToList(), Now), Is.Null, "two before: no baseline");
        Assert.That(_reprisal.Evaluate(Mill, "x", Guid.NewGuid(), acknowledged, filed, acknowledged.AddDays(20)), Is.Null, "1.3 expected in 20 days");
    }
}
