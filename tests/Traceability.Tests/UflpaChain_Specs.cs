using Traceability.Risk.Flags;
using Traceability.Risk.Rules;
using Traceability.Risk.Rules.Uflpa;

namespace Traceability.Tests;

/// <summary>
/// UFLPA along the EPCIS chain: goods followed back from a shipping event or a shipment through the exporter's events, over a
/// set of events held here (the reads the service makes against its tables are exercised by the end-to-end test).
/// </summary>
[TestFixture]
public class When_goods_are_followed_back_through_EPCIS_events
{
    private readonly UflpaRule _rule = new(RiskFixtures.Catalog, UflpaEntityList.LoadShipped());
    private static readonly DateTime T0 = new(2026, 10, 1, 8, 0, 0, DateTimeKind.Utc);
    private const string Aksu = "urn:epc:id:sgln:6901234.00001.0", Shanghai = "urn:epc:id:sgln:6901234.00002.0", HoChiMinh = "urn:epc:id:sgln:8934567.00003.0",
        Hoshine = "urn:epc:id:sgln:6901234.00004.0", Port = "urn:epc:id:sgln:8934567.00005.0";

    private static readonly FacilityFacts[] Sites =
    [
        RiskFixtures.Facility("Aksu Cotton Ginning", region: "CN-XJ", gln: ChainPlace.GlnOf(Aksu)),
        RiskFixtures.Facility("Shanghai Spinning", region: "Shanghai", gln: ChainPlace.GlnOf(Shanghai)),
        RiskFixtures.Facility("Saigon Weaving", country: "VN", gln: ChainPlace.GlnOf(HoChiMinh)),
        RiskFixtures.Facility("HOSHINE SILICON INDUSTRY (SHANSHAN) CO LTD", region: "Zhejiang", gln: ChainPlace.GlnOf(Hoshine)),
        RiskFixtures.Facility("Cat Lai Port", country: "VN", gln: ChainPlace.GlnOf(Port)),
    ];

    private static string Lot(string name) => $"urn:epc:class:lgtin:4012345.012345.{name}";

    private static ChainEvent Event(string id, string type, int day, string? location, IEnumerable<ChainGoods> goods, string? bizStep = null, string? action = "OBSERVE",
        string? destination = null) => new()
    {
        EpcisEventId = id, EventType = type, EventTime = T0.AddDays(day), Action = type == "TransformationEvent" ? null : action, BizStep = bizStep,
        LinkKind = type == "TransformationEvent" ? "transforming" : bizStep == "shipping" ? "shipping" : bizStep == "receiving" ? "receiving" : null,
        Goods = goods.ToList(),
        Places = new[] { (location, ChainPlace.Location), (destination, ChainPlace.Destination) }
            .Where(p => p.Item1 is not null).Select(p => new ChainPlace(p.Item1!, p.Item2, ChainPlace.GlnOf(p.Item1)!)).ToList(),
    };

    private static ChainEvent Observed(string id, int day, string location, string epc, string bizStep = "commissioning") =>
        Event(id, "ObjectEvent", day, location, [new ChainGoods(epc, GoodsRole.Object)], bizStep);

    private static ChainEvent Transformed(string id, int day, string location, string input, string output) =>
        Event(id, "TransformationEvent", day, location, [new ChainGoods(input, GoodsRole.Input), new ChainGoods(output, GoodsRole.Output)], "transforming");

    private static ChainEvent Shipped(string id, int day, string location, string epc, string? destination = null) =>
        Event(id, "ObjectEvent", day, location, [new ChainGoods(epc, GoodsRole.Object)], "shipping", destination: destination);

    private static EventsNaming Over(IReadOnlyList<ChainEvent> events, List<int>? reads = null) => (epcs, limit) =>
    {
        reads?.Add(epcs.Count);
        var wanted = epcs.ToHashSet(StringComparer.Ordinal);
        return Task.FromResult<IReadOnlyList<ChainEvent>>(events.Where(e => e.Goods.Any(g => wanted.Contains(g.Epc))).Take(limit).ToList());
    };

    private async Task<IReadOnlyList<ChainFinding>> FindingsAsync(IReadOnlyList<ChainEvent> events, ChainRoot root, ChainLimits? limits = null)
    {
        var trace = await EpcisChain.TraceAsync([root], Over(events), limits ?? _rule.ChainLimits);
        return _rule.Judge(trace, Sites.ToLookup(s => s.Gln!));
    }

    private static ChainRoot RootOf(ChainEvent shipping) => new("epcis:" + shipping.EpcisEventId, shipping.Goods.Select(g => g.Epc).ToList(), shipping.EventTime);

    // Cotton ginned in Aksu, spun in Shanghai, woven in Saigon, shipped from the port.
    private static List<ChainEvent> CottonToFabric(string gin = Aksu) =>
    [
        Observed("e1", 0, gin, Lot("COTTON1")),
        Shipped("e2", 1, gin, Lot("COTTON1"), destination: Shanghai),
        Transformed("e3", 5, Shanghai, Lot("COTTON1"), Lot("YARN1")),
        Transformed("e4", 9, HoChiMinh, Lot("YARN1"), Lot("FABRIC1")),
        Shipped("e5", 12, Port, Lot("FABRIC1")),
    ];

    [Test]
    public async Task Should_find_nothing_along_a_clean_chain()
    {
        var events = CottonToFabric(gin: Shanghai);
        Assert.That(await FindingsAsync(events, RootOf(events[^1])), Is.Empty);
    }

    [Test]
    public async Task Should_find_Xinjiang_two_transformations_upstream_and_name_the_path_and_its_events()
    {
        var events = CottonToFabric();
        var findings = await FindingsAsync(events, RootOf(events[^1]));

        Assert.That(findings.Select(f => f.Facility.Name).Distinct(), Is.EqualTo(new[] { "Aksu Cotton Ginning" }));
        var shortest = findings[0];
        Assert.That(shortest.PathText, Does.StartWith($"{Lot("COTTON1")} was made at 'Aksu Cotton Ginning' (Xinjiang, region 'CN-XJ') on 2026-10-01 (ObjectEvent e1)")
            .And.Contain($"then transformed into {Lot("YARN1")} on 2026-10-06 (TransformationEvent e3)")
            .And.Contain($"then transformed into {Lot("FABRIC1")} on 2026-10-10 (TransformationEvent e4)"));

        var signals = _rule.ForShippingEvent("acme", events[^1], ChainPlace.GlnOf(Port)!, Sites[4], findings).ToList();
        var region = signals.Single();
        Assert.That((region.RuleId, region.Severity, region.Subject, region.Scope.Country), Is.EqualTo(("uflpa-region", "high", FlagSubject.Facility(ChainPlace.GlnOf(Port)!), "VN")),
            "the shipping site is flagged high: the goods themselves are flagged critical on a shipment naming them");
        Assert.That(region.Explanation, Does.StartWith("Goods shipped from 'Cat Lai Port' on 2026-10-13 (EPCIS event e5) are traced through the exporter's EPCIS events to the Xinjiang"));
        Assert.That(region.EvidenceIds, Is.SupersetOf(new[] { "epcis:e5", "epcis:e1", "epcis:e3", "epcis:e4", $"facility:{ChainPlace.GlnOf(Aksu)}", "uflpa-region:xuar" }));
    }

    [Test]
    public async Task Should_flag_a_shipment_naming_the_goods_critical_with_the_path_in_its_explanation()
    {
        var events = CottonToFabric();
        var shipment = RiskFixtures.Shipment() with { ShipDate = DateOnly.FromDateTime(T0.AddDays(12)) };
        var findings = await FindingsAsync(events, new ChainRoot($"shipment:{shipment.ShipmentId}", [Lot("FABRIC1")], T0.AddDays(13)));
        var signal = _rule.ForShipment(ShipmentFacts.Of(shipment), [], findings).Single();

        Assert.That((signal.RuleId, signal.Severity, signal.Subject, signal.Scope), Is.EqualTo(("uflpa-region", "critical", FlagSubject.Shipment(shipment.ShipmentId), new FlagScope("CN", "52"))));
        Assert.That(signal.Explanation, Does.StartWith("Shipment of 'Cotton': the goods it names are traced").And.Contain("'Aksu Cotton Ginning' (Xinjiang, region 'CN-XJ')"));
    }

    [Test]
    public async Task Should_not_count_a_facility_the_goods_reached_only_after_they_shipped_or_the_shipment_s_own_destination()
    {
        List<ChainEvent> events =
        [
            Observed("e1", 0, Shanghai, Lot("COTTON2")),
            Shipped("e2", 2, Shanghai, Lot("COTTON2"), destination: Aksu),
            Observed("e3", 5, Aksu, Lot("COTTON2"), "receiving"),
        ];
        Assert.That(await FindingsAsync(events, RootOf(events[1])), Is.Empty, "Aksu is where they went, after the shipment");

        // Named again after a shipment to Aksu: they got there, so Aksu is upstream of the later shipment.
        events.Add(Shipped("e4", 7, Shanghai, Lot("COTTON2")));
        Assert.That((await FindingsAsync(events, RootOf(events[^1]))).Select(f => f.Facility.Name).Distinct(), Is.EqualTo(new[] { "Aksu Cotton Ginning" }));
    }

    [Test]
    public async Task Should_follow_a_pallet_to_the_cartons_packed_into_it_but_not_to_one_taken_out_before_it_shipped()
    {
        const string pallet = "urn:epc:id:sscc:4012345.0000000001";
        List<ChainEvent> events =
        [
            Observed("c1", 0, Aksu, Lot("CARTON-XJ")),
            Observed("c2", 0, Shanghai, Lot("CARTON-SH")),
            Event("pack", "AggregationEvent", 2, Shanghai, [new(pallet, GoodsRole.Parent), new(Lot("CARTON-XJ"), GoodsRole.Child), new(Lot("CARTON-SH"), GoodsRole.Child)],
                "packing", "ADD"),
            Shipped("ship", 4, Port, pallet),
        ];
        var findings = await FindingsAsync(events, RootOf(events[^1]));
        Assert.That(findings.Select(f => f.Facility.Name).Distinct(), Is.EqualTo(new[] { "Aksu Cotton Ginning" }));
        Assert.That(findings[0].PathText, Does.Contain($"then packed into {pallet} on 2026-10-03 (AggregationEvent pack)"));

        events.Insert(3, Event("unpack", "AggregationEvent", 3, Shanghai, [new(pallet, GoodsRole.Parent), new(Lot("CARTON-XJ"), GoodsRole.Child)], "unpacking", "DELETE"));
        Assert.That(await FindingsAsync(events, RootOf(events[^1])), Is.Empty, "the Xinjiang carton was taken out before the pallet shipped");
    }

    [Test]
    public async Task Should_find_a_facility_on_the_Entity_List_by_name_outside_Xinjiang()
    {
        List<ChainEvent> events =
        [
            Observed("s1", 0, Hoshine, Lot("SILICON1")),
            Transformed("s2", 3, Shanghai, Lot("SILICON1"), Lot("WAFER1")),
            Shipped("s3", 6, Port, Lot("WAFER1")),
        ];
        var findings = await FindingsAsync(events, RootOf(events[^1]));
        var signal = _rule.ForShippingEvent("acme", events[^1], ChainPlace.GlnOf(Port)!, Sites[4], findings).Single();

        Assert.That(signal.RuleId, Is.EqualTo("uflpa-entity"));
        Assert.That(signal.Explanation, Does.Contain("to 'HOSHINE SILICON INDUSTRY (SHANSHAN) CO LTD', which matches 'Hoshine Silicon Industry (Shanshan) Co. Ltd.' on the UFLPA Entity List"));
        Assert.That(signal.Evidence.Single(e => e.Id.StartsWith("uflpa-entity:", StringComparison.Ordinal)).Note, Does.Contain("score"));
    }

    [Test]
    public async Task Should_end_a_cycle_in_the_data_and_still_find_what_is_on_it()
    {
        // Each lot is made of the other, at the same moment: nonsense, but it must not loop.
        List<ChainEvent> events =
        [
            Transformed("t1", 2, Shanghai, Lot("A"), Lot("B")),
            Transformed("t2", 2, Shanghai, Lot("B"), Lot("A")),
            Shipped("s", 3, Port, Lot("A")),
        ];
        var reads = new List<int>();
        var trace = await EpcisChain.TraceAsync([RootOf(events[^1])], Over(events, reads), _rule.ChainLimits);
        Assert.That(reads, Has.Count.LessThanOrEqualTo(3), "each lot is followed once at each point in time");
        Assert.That(_rule.Judge(trace, Sites.ToLookup(s => s.Gln!)), Is.Empty);

        events.Add(Observed("x", 1, Aksu, Lot("B")));
        Assert.That((await FindingsAsync(events, RootOf(events[2]))).Select(f => f.Visit.Event.EpcisEventId).Distinct(), Is.EqualTo(new[] { "x" }));
    }

    [Test]
    public async Task Should_stop_at_the_depth_limit_and_say_the_trace_was_cut()
    {
        // Xinjiang cotton, then fifteen transformations, then shipped.
        var events = new List<ChainEvent> { Observed("x", 0, Aksu, Lot("L0")) };
        events.AddRange(Enumerable.Range(1, 15).Select(i => Transformed($"t{i}", i, Shanghai, Lot($"L{i - 1}"), Lot($"L{i}"))));
        events.Add(Shipped("s", 20, Port, Lot("L15")));

        var limited = new ChainLimits(MaxDepth: 12, MaxEpcs: 5000, MaxEvents: 5000);
        var trace = await EpcisChain.TraceAsync([RootOf(events[^1])], Over(events), limited);
        Assert.That(trace.Cut, Is.True);
        Assert.That(_rule.Judge(trace, Sites.ToLookup(s => s.Gln!)), Is.Empty, "Xinjiang is 15 steps back, beyond 12");

        var deep = await FindingsAsync(events, RootOf(events[^1]), limited with { MaxDepth = 15 });
        Assert.That(deep, Is.Not.Empty);
        Assert.That(deep[0].PathText, Does.Contain("(12 more step(s) in the evidence)"), "a long path keeps its ends in the sentence");
        Assert.That(deep[0].Visit.Path, Has.Count.EqualTo(15));
    }

    [Test]
    public async Task Should_stop_at_the_identifier_limit_however_wide_a_document_fans_out()
    {
        // One output made of 3,000 inputs, each made of 3 more: a hostile document.
        var inputs = Enumerable.Range(0, 3000).Select(i => Lot($"IN{i}")).ToList();
        var events = new List<ChainEvent>
        {
            Event("wide", "TransformationEvent", 5, Shanghai, [.. inputs.Select(i => new ChainGoods(i, GoodsRole.Input)), new ChainGoods(Lot("OUT"), GoodsRole.Output)]),
            Shipped("s", 6, Port, Lot("OUT")),
        };
        events.AddRange(inputs.Select((input, i) => Event($"m{i}", "TransformationEvent", 2, Shanghai,
            [new(Lot($"RAW{i}a"), GoodsRole.Input), new(Lot($"RAW{i}b"), GoodsRole.Input), new(Lot($"RAW{i}c"), GoodsRole.Input), new(input, GoodsRole.Output)])));
        var trace = await EpcisChain.TraceAsync([RootOf(events[1])], Over(events), new ChainLimits(12, MaxEpcs: 5000, MaxEvents: 5000));
        Assert.That(trace.Cut, Is.True);
    }

    [Test]
    public async Task Should_lead_a_late_upstream_event_forward_to_the_shipping_events_and_shipments_it_feeds()
    {
        var events = CottonToFabric();
        var roots = await EpcisChain.RootsDownstreamAsync([(Lot("COTTON1"), T0)], Over(events),
            epcs => Task.FromResult<IReadOnlyList<(string, string, DateTime)>>(epcs.Contains(Lot("FABRIC1")) ? [("shipment:1", Lot("FABRIC1"), T0.AddDays(13))] : []),
            _rule.ChainLimits);
        Assert.That(roots, Is.EquivalentTo(new[] { "epcis:e2", "epcis:e5", "shipment:1" }));
    }

    [TestCase("urn:epc:id:sgln:0614141.00777.0", "0614141007776")]
    [TestCase("urn:epc:id:pgln:0614141.00777", "0614141007776")]
    [TestCase("https://id.gs1.org/414/0614141007776/254/1", "0614141007776")]
    [TestCase("https://example.com/417/0614141007776", "0614141007776")]
    [TestCase("https://id.gs1.org/414/0614141007770", null)]
    [TestCase("urn:epc:id:sgln:0614141.777.0", null)]
    [TestCase("Warehouse 7", null)]
    public void Should_read_the_GLN_a_place_names(string place, string? gln) =>
        Assert.That(ChainPlace.GlnOf(place), Is.EqualTo(gln));
}
