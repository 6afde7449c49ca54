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

[TestFixture]
public class When_shipped_volume_is_weighed_against_audited_capacity
{
    private readonly MassBalanceRule _rule = new(RiskFixtures.Catalog);
    private static readonly FacilityFacts Mill = RiskFixtures.Facility("Kumasi Cocoa Processing", country: "GH", gln: "6001234500016");

    private static AuditedCapacity Capacity(decimal quantity, string unit = "t", string period = "month") => new()
    {
        AuditId = Guid.NewGuid(), Scheme = "SMETA", EndDate = new DateOnly(2026, 9, 30), Quantity = quantity, Unit = unit, Period = period,
    };

    private static ShippedQuantity Shipped(decimal quantity, string unit, int month, int day = 10) =>
        new() { ShipmentId = Guid.NewGuid(), ShipDate = new DateOnly(2026, month, day), Quantity = quantity, Unit = unit };

    [Test]
    public void Should_flag_a_month_over_capacity_beyond_the_tolerance_with_the_audit_and_the_period_in_the_evidence()
    {
        var capacity = Capacity(20);
        Assert.That(_rule.Evaluate(Mill, capacity, [Shipped(12, "t", 10), Shipped(9_000, "kg", 10, 20), Shipped(5, "t", 9)]), Is.Null,
            "21 t in October is over 20 t but within the 10 % tolerance");
        var signal = _rule.Evaluate(Mill, capacity, [Shipped(12, "t", 10), Shipped(11_000, "kg", 10, 20), Shipped(5, "t", 9)]);
        Assert.That(signal, Is.Not.Null);
        Assert.That((signal!.RuleId, signal.Severity, signal.Subject, signal.Scope), Is.EqualTo(("mass-balance", "high", FlagSubject.Facility("6001234500016"), new FlagScope("GH", null, "SMETA"))));
        Assert.That(signal.Explanation, Is.EqualTo(
            "Mass balance: 'Kumasi Cocoa Processing' shipped 23 t in 2026-10 (2 shipment(s)), above its audited production capacity of 20 t a month (audit of 2026-09-30) by 15 %."));
        Assert.That(signal.Evidence.Select(e => e.Id), Is.EqualTo(new[] { $"audit:{capacity.AuditId}", "mass-balance:6001234500016:2026-10" }), "September is under capacity");
    }

    [Test]
    public void Should_fire_above_the_tolerance_and_name_every_period_over_capacity()
    {
        var capacity = Capacity(20_000, "kg");
        var signal = _rule.Evaluate(Mill, capacity, [Shipped(23, "t", 10), Shipped(50_000, "lb", 11), Shipped(1, "t", 12)]);
        Assert.That(signal, Is.Not.Null);
        Assert.That(signal!.Evidence.Select(e => e.Id), Is.EqualTo(new[] { $"audit:{capacity.AuditId}", "mass-balance:6001234500016:2026-10", "mass-balance:6001234500016:2026-11" }));
        Assert.That(signal.Evidence[1].Note, Is.EqualTo("shipped 23000 kg in 2026-10 from 1 shipment(s), capacity 20000"));
        Assert.That(signal.Explanation, Does.Contain("shipped 23,000 kg in 2026-10").And.Contain("by 15 %").And.Contain("1 other period(s)"));
    }

    [Test]
    public void Should_sum_a_calendar_year_for_a_yearly_capacity()
    {
        Assert.That(_rule.Evaluate(Mill, Capacity(100, period: "year"), [Shipped(60, "t", 1), Shipped(60, "t", 12, 31)])?.Evidence[1].Id,
            Is.EqualTo("mass-balance:6001234500016:2026"));
        Assert.That(_rule.Evaluate(Mill, Capacity(100, period: "year"), [Shipped(60, "t", 12, 31), Shipped(60, "t", 1) with { ShipDate = new DateOnly(2027, 1, 1) }]),
            Is.Null, "two years, each under capacity");
    }

    [Test]
    public void Should_not_count_shipments_in_units_that_do_not_convert_and_say_so()
    {
        Assert.That(_rule.Evaluate(Mill, Capacity(20), [Shipped(19, "t", 10), Shipped(500, "bales", 10), Shipped(900, "pcs", 10)]), Is.Null,
            "bales and pieces are no weight: 19 t is under capacity");
        var signal = _rule.Evaluate(Mill, Capacity(20), [Shipped(30, "t", 10), Shipped(500, "bales", 10)]);
        Assert.That(signal!.Explanation, Does.EndWith("1 shipment(s) in bales were not counted (no conversion to t)."));
    }

    [TestCase(1, "dozen", 12, "pcs")]
    [TestCase(2, "m3", 2000, "l")]
    [TestCase(1000, "g", 1, "kg")]
    [TestCase(1, "lb", 0.45359237, "kg")]
    public void Should_convert_within_mass_volume_and_counts(decimal quantity, string from, decimal expected, string to)
    {
        Assert.That(QuantityConversion.Convert(quantity, from, to), Is.EqualTo(expected));
    }

    [TestCase("pairs", "pcs")]
    [TestCase("kg", "l")]
    [TestCase("bags", "kg")]
    [TestCase("m", "m2")]
    public void Should_not_convert_across_kinds_of_quantity(string from, string to)
    {
        Assert.That(QuantityConversion.Convert(1, from, to), Is.Null);
    }

    [Test]
    public void Should_raise_nothing_when_switched_off()
    {
        var off = new MassBalanceRule(RuleCatalog.LoadShipped(new Dictionary<string, string?> { ["Risk:Rules:mass-balance:Enabled"] = "false" }));
        Assert.That(off.Evaluate(Mill, Capacity(1), [Shipped(100, "t", 10)]), Is.Null);
    }
}

[TestFixture]
public class When_a_transformation_s_inputs_are_checked
{
    private readonly TransformationInputsRule _rule = new(RiskFixtures.Catalog);

    private static CapturedEpcisEvent Transformation(string? bizLocation, params string[] inputs) => new()
    {
        EpcisEventId = "ni:///sha-256;abc?ver=CBV2.0", EventType = "TransformationEvent", EventTime = new DateTime(2026, 11, 20, 8, 0, 0, DateTimeKind.Utc),
        LinkKind = "transforming", BizLocation = bizLocation, InputEpcs = inputs, Epcs = [.. inputs, "urn:epc:id:sgtin:5012345.012345.900"],
    };

    [Test]
    public void Should_flag_the_facility_at_the_location_naming_the_inputs_never_held()
    {
        var signal = _rule.Evaluate("acme", Transformation("urn:epc:id:sgln:5012345.67890.0", "urn:epc:id:sgtin:5012345.011111.1", "urn:epc:id:sgtin:5012345.011111.2"),
            ["urn:epc:id:sgtin:5012345.011111.2"], site: null);
        Assert.That(signal, Is.Not.Null);
        Assert.That((signal!.RuleId, signal.Severity, signal.Subject), Is.EqualTo(("transformation-inputs", "medium", FlagSubject.Facility("5012345678900"))));
        Assert.That(signal.Evidence.Single().Id, Is.EqualTo("epcis:ni:///sha-256;abc?ver=CBV2.0"));
        Assert.That(signal.Evidence.Single().Note, Is.EqualTo("inputs never held before: urn:epc:id:sgtin:5012345.011111.2"));
        Assert.That(signal.Explanation, Is.EqualTo(
            "Transformation at urn:epc:id:sgln:5012345.67890.0 on 2026-11-20 used 1 of its 2 input(s) that the exporter never received or observed before: urn:epc:id:sgtin:5012345.011111.2."));
    }

    [Test]
    public void Should_name_a_known_facility_and_take_its_scope()
    {
        var site = RiskFixtures.Facility("Tema Cocoa Grinding", country: "GH", gln: "5012345678900");
        var signal = _rule.Evaluate("acme", Transformation("urn:epc:id:sgln:5012345.67890.0", "a", "b", "c", "d", "e"), ["a", "b", "c", "d"], site);
        Assert.That((signal!.Scope, signal.Subject.Id), Is.EqualTo((new FlagScope("GH"), "5012345678900")));
        Assert.That(signal.Explanation, Does.Contain("'Tema Cocoa Grinding'").And.Contain("used 4 of its 5 input(s)").And.EndWith("a, b, c and 1 more."));
    }

    [Test]
    public void Should_raise_nothing_when_every_input_was_held_or_the_event_is_no_transformation_or_has_no_location()
    {
        Assert.That(_rule.Evaluate("acme", Transformation("urn:epc:id:sgln:5012345.67890.0", "a"), [], null), Is.Null);
        Assert.That(_rule.Evaluate("acme", Transformation("urn:epc:id:sgln:5012345.67890.0", "a") with { EventType = "ObjectEvent" }, ["a"], null), Is.Null);
        Assert.That(_rule.Evaluate("acme", Transformation(null, "a"), ["a"], null), Is.Null);
    }

    [TestCase("urn:epc:id:sgln:5012345.67890.0", "5012345678900")]
    [TestCase("urn:epc:id:sgln:0614141.00777.0", "0614141007776")]
    [TestCase("urn:epc:id:sgln:5012345.6789.0", null)]
    [TestCase("https://id.gs1.org/414/5012345678900", null)]
    public void Should_read_the_GLN_of_an_SGLN(string location, string? gln)
    {
        Assert.That(TransformationInputsRule.GlnOfSgln(location), Is.EqualTo(gln));
    }
}

[TestFixture]
public class When_later_evidence_judges_a_flag_again
{
    private readonly ProvenanceGapRule _gaps = new(RiskFixtures.Catalog);
    private readonly MassBalanceRule _massBalance = new(RiskFixtures.Catalog);
    private readonly TransformationInputsRule _inputs = new(RiskFixtures.Catalog);
    private static readonly FacilityFacts Mill = RiskFixtures.Facility("Kumasi Cocoa Processing", country: "GH", gln: "6001234500016");

    [TestCase("open", false, false, 2, Convergence.Withdraw)]
    [TestCase("open", false, false, 0, Convergence.Withdraw)]
    [TestCase("assigned", false, false, 2, Convergence.NoteCleared)]
    [TestCase("investigating", false, false, 1, Convergence.NoteCleared)]
    [TestCase("open", true, false, 1, Convergence.NoteCleared)]
    [TestCase("open", false, true, 1, Convergence.NoteCleared)]
    [TestCase("open", false, true, 0, Convergence.Keep)]
    [TestCase("assigned", false, false, 0, Convergence.Keep)]
    public void Should_withdraw_only_a_flag_nobody_has_worked_and_note_the_rest(string status, bool escalated, bool anythingCounts, int cleared, Convergence expected)
    {
        Assert.That(FlagConvergence.Decide(status, escalated, anythingCounts, cleared), Is.EqualTo(expected));
    }

    [Test]
    public void Should_clear_a_provenance_gap_an_audit_covers_and_keep_a_tier_that_names_no_facility()
    {
        var shipment = ShipmentFacts.Of(RiskFixtures.Shipment(Mill.ProvenanceId));
        const string tiers = "1 tier(s) (farm in GH) name no facility";
        var fired = _gaps.Rejudge(shipment, Mill, lastAudit: null, unnamedTiers: tiers);
        Assert.That(fired!.Explanation, Does.Contain("never been audited").And.Contain(tiers));
        Assert.That(fired.EvidenceIds, Is.EquivalentTo(new[] { $"shipment:{shipment.ShipmentId}", "facility:6001234500016", $"tiers:{shipment.ShipmentId}" }));

        var audited = new DateOnly(2026, 10, 1);
        Assert.That(_gaps.Rejudge(shipment, Mill, audited, unnamedTiers: null), Is.Null, "the audit was the only reason: withdrawn");
        var kept = _gaps.Rejudge(shipment, Mill, audited, tiers);
        Assert.That(kept!.Explanation, Is.EqualTo($"Provenance gap: {tiers}."), "the tiers' reason stays, the origin's is gone");
        Assert.That(kept.EvidenceIds, Is.EquivalentTo(fired.EvidenceIds), "the same evidence as in-order delivery gives it");
        Assert.That(_gaps.Rejudge(shipment, Mill, new DateOnly(2025, 6, 1), null)!.Explanation, Does.Contain("last audited on 2025-06-01"),
            "an audit too old to cover the ship date clears nothing");
    }

    [Test]
    public void Should_judge_every_period_against_a_newer_higher_capacity()
    {
        static ShippedQuantity Shipped(decimal t, int month) => new() { ShipmentId = Guid.NewGuid(), ShipDate = new DateOnly(2026, month, 10), Quantity = t, Unit = "t" };
        AuditedCapacity Capacity(decimal t, int day) => new() { AuditId = Guid.NewGuid(), Scheme = "RA", EndDate = new DateOnly(2026, 1, day), Quantity = t, Unit = "t", Period = "month" };
        IReadOnlyList<ShippedQuantity> shipped = [Shipped(30, 10), Shipped(26, 11)];
        var older = Capacity(20, 1);
        Assert.That(_massBalance.Evaluate(Mill, older, shipped)!.EvidenceIds.Where(id => id.StartsWith("mass-balance:", StringComparison.Ordinal)),
            Is.EqualTo(new[] { "mass-balance:6001234500016:2026-10", "mass-balance:6001234500016:2026-11" }));
        var higher = Capacity(25, 2);
        var judged = _massBalance.Evaluate(Mill, higher, shipped);
        Assert.That(judged!.EvidenceIds, Is.EqualTo(new[] { $"audit:{higher.AuditId}", "mass-balance:6001234500016:2026-10" }),
            "November (26 t) is within 25 t and its tolerance now; the older audit's capacity no longer counts");
        Assert.That(_massBalance.Evaluate(Mill, Capacity(50, 3), shipped), Is.Null, "no period over it any more: the flag is withdrawn");
    }

    [Test]
    public void Should_judge_a_facility_s_transformations_again_with_only_what_is_still_missing()
    {
        var at = new DateTime(2026, 11, 20, 8, 0, 0, DateTimeKind.Utc);
        MissingInputs Missing(string id, params string[] epcs) => new("acme", id, at, "urn:epc:id:sgln:5012345.67890.0", 3, epcs);
        var both = _inputs.Judge("5012345678900", [Missing("e1", "a", "b"), Missing("e2", "c")], site: null);
        Assert.That(both!.EvidenceIds, Is.EqualTo(new[] { "epcis:e1", "epcis:e2" }));
        Assert.That(both.Explanation, Does.Contain("used 2 of its 3 input(s)").And.EndWith("1 other transformation(s) there miss inputs too (see the evidence)."));
        var one = _inputs.Judge("5012345678900", [Missing("e2", "c")], site: null);
        Assert.That((one!.Subject, one.EvidenceIds.Single()), Is.EqualTo((FlagSubject.Facility("5012345678900"), "epcis:e2")));
        Assert.That(_inputs.Judge("5012345678900", [], site: null), Is.Null, "every input received before its transformation: withdrawn");
    }
}
