using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Traceability.Contracts.Audits;
using Traceability.Contracts.Grievances;
using Traceability.Contracts.Provenance;
using Traceability.Hosting;

namespace Traceability.IntegrationTests;

/// <summary>
/// Each rule family from the event to the flag on the real bus: Provenance's, Audits' and Grievances' events (the last two
/// published as those services publish them) reach Risk, which raises, appends and answers the facility risk profile.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public class When_events_from_every_service_reach_the_rules
{
    private RiskAlone _platform = null!;
    private TestDatabase _database = null!;
    private TestVirtualHost _virtualHost = null!;
    private HttpClient _admin = null!;
    private static readonly DateTime Now = DateTime.UtcNow;
    private static readonly DateOnly Today = DateOnly.FromDateTime(Now);

    [OneTimeSetUp]
    public async Task Start()
    {
        _platform = await RiskAlone.StartAsync();
        (_database, _virtualHost) = (_platform.Database, _platform.VirtualHost);
        _admin = TestIssuer.Shared.ClientFor(_platform.Risk, "admin-1", [Roles.Admin]);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _admin?.Dispose();
        await _platform.DisposeAsync();
    }

    private static FacilityRegistered Facility(Guid id, string gln, string name, string? region = null, decimal? lat = null, decimal? lon = null, string country = "CN") => new()
    {
        EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = Now, FacilityId = id, Revision = 1, Gln = gln, Name = name, Country = country,
        Region = region, Latitude = lat, Longitude = lon, FacilityType = "mill",
    };

    private static ShipmentRecorded Shipment(Guid? origin, params Guid[] tiers) => new()
    {
        EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = Now, ShipmentId = Guid.NewGuid(), HsCode = "520100", Commodity = "Cotton yarn",
        OriginCountry = "VN", Quantity = 10, Unit = "t", ShipDate = Today, OriginFacilityId = origin,
        Tiers = tiers.Select(t => new SupplyTier { FacilityId = t, Country = "CN", Role = "spinner" }).ToList(),
    };

    private static AuditSubmitted Audit(string gln, string name, string country, DateOnly end, params string[] indicators) => new()
    {
        EventId = Guid.NewGuid(), TenantId = AuditsTenant.Id, OccurredAt = Now, AuditId = Guid.NewGuid(),
        Facility = new AuditedFacility { Gln = gln, Name = name, Country = country }, Scheme = "SMETA", AuditType = "periodic", Announcement = "unannounced",
        StartDate = end.AddDays(-2), EndDate = end, LeadAuditorId = "aud-1",
        Findings = indicators.Select(i => new AuditFinding { FindingId = Guid.NewGuid(), Code = "FL-X", IloIndicators = [i], Severity = "major", Status = "open" }).ToList(),
    };

    private static GrievanceFiled Grievance(Guid facility, DateTime filedAt, params string[] indicators) => new()
    {
        EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = filedAt, CaseId = Guid.NewGuid(), CaseReference = "GR-7KQ4P2", FacilityIds = [facility],
        FacilityCountry = "BD", Category = "wages-withheld", IloIndicators = indicators, ForcedLabourIndicator = indicators.Length > 0, Language = "bn",
        SenderPseudonym = "p_" + new string('a', 32), FiledAt = filedAt,
    };

    private async Task<List<(string Rule, string Severity, string SubjectType, int Evidence, int Grievances)>> FlagsOf(string subject)
    {
        await using var connection = _database.Open();
        return (await connection.QueryAsync<(string, string, string, int, int)>(
            "SELECT rule_id, severity, subject_type, evidence_count, grievance_count FROM risk.flag WHERE subject_id = @Subject ORDER BY rule_id", new { Subject = subject })).ToList();
    }

    private Task Settled(string what, Func<Task<bool>> condition) => Probe.UntilAsync(condition, TimeSpan.FromSeconds(30), what);

    [Test]
    public async Task Should_flag_a_Xinjiang_facility_a_listed_one_the_shipments_naming_them_and_hold_the_next_shipment()
    {
        Guid spinner = Guid.NewGuid(), listed = Guid.NewGuid();
        var shipment = Shipment(null, spinner, listed);
        await TestBus.PublishAsync(_virtualHost,
            Facility(spinner, "6901234500011", "Aksu Cotton Spinning", lat: 41.17m, lon: 80.26m),
            Facility(listed, "6901234500028", "HOSHINE SILICON INDUSTRY (SHANSHAN) CO LTD", region: "Zhejiang", country: "CN"));
        await Settled("Risk flags both facilities", async () => (await FlagsOf("6901234500011")).Count == 1 && (await FlagsOf("6901234500028")).Count == 1);
        await TestBus.PublishAsync(_virtualHost, shipment);
        await Settled("Risk flags the shipment", async () => (await FlagsOf(shipment.ShipmentId.ToString())).Count == 3);

        Assert.That((await FlagsOf(shipment.ShipmentId.ToString())).Select(f => (f.Rule, f.Severity)),
            Is.EqualTo(new[] { ("hold", "critical"), ("uflpa-entity", "critical"), ("uflpa-region", "critical") }));
        var entity = await _database.ScalarAsync<string>("SELECT note FROM risk.flag_evidence WHERE evidence_id LIKE 'uflpa-entity:%' AND flag_id IN (SELECT id FROM risk.flag WHERE subject_id = @S)",
            new { S = shipment.ShipmentId.ToString() });
        Assert.That(entity, Does.Contain("Hoshine Silicon Industry (Shanshan) Co. Ltd.").And.Contain("score"));
    }

    [Test]
    public async Task Should_find_a_provenance_gap_until_the_origin_is_audited()
    {
        var origin = Guid.NewGuid();
        await TestBus.PublishAsync(_virtualHost, Facility(origin, "8901234500012", "Tiruppur Knits", country: "IN"));
        await Settled("Risk keeps the facility", async () => await _database.ScalarAsync<long>("SELECT count(*) FROM risk.facility WHERE id = @Id", new { Id = origin }) == 1);
        var first = Shipment(origin);
        await TestBus.PublishAsync(_virtualHost, first);
        await Settled("Risk finds the gap", async () => (await FlagsOf(first.ShipmentId.ToString())).Any(f => f.Rule == "provenance-gap"));

        await TestBus.PublishAsync(_virtualHost, Audit("8901234500012", "Tiruppur Knits", "IN", Today.AddDays(-30)));
        await Settled("Risk keeps the audit", async () => await _database.ScalarAsync<long>("SELECT count(*) FROM risk.facility_audit WHERE gln = '8901234500012'") == 1);
        var second = Shipment(origin);
        await TestBus.PublishAsync(_virtualHost, second);
        await Settled("Risk evaluates the second shipment", async () =>
            await _database.ScalarAsync<long>("SELECT count(*) FROM risk.shipment_evaluation WHERE shipment_id = @Id", new { Id = second.ShipmentId }) == 1);
        Assert.That(await FlagsOf(second.ShipmentId.ToString()), Is.Empty, "audited a month before it shipped");
    }

    [Test]
    public async Task Should_combine_an_auditor_s_and_a_worker_s_report_of_one_indicator_and_show_it_in_the_risk_profile()
    {
        var mill = Guid.NewGuid();
        const string gln = "4701234500016";
        await TestBus.PublishAsync(_virtualHost,
            Facility(mill, gln, "Gazipur Garments", country: "BD"),
            Audit(gln, "Gazipur Garments", "BD", Today.AddDays(-10), "withholding-of-wages"));
        await Settled("Risk keeps the audit", async () => await _database.ScalarAsync<long>("SELECT count(*) FROM risk.facility_signal WHERE gln = @Gln", new { Gln = gln }) == 1);
        Assert.That(await FlagsOf(gln), Is.Empty, "one indicator from one source stays under the threshold");

        await TestBus.PublishAsync(_virtualHost, Grievance(mill, Now.AddDays(-2), "withholding-of-wages"));
        await Settled("Risk combines the two sources", async () => (await FlagsOf(gln)).Any(f => f.Rule == "ilo-indicators"));
        Assert.That((await FlagsOf(gln)).Single(f => f.Rule == "ilo-indicators"), Is.EqualTo(("ilo-indicators", "medium", "facility", 2, 1)));

        // Grievances' own rule flags the workplace for the forced-labour grievance too: the score adds both.
        var profile = await _admin.GetFromJsonAsync<JsonElement>($"api/v1/facilities/{gln}/risk");
        var contributions = profile.GetProperty("contributions").EnumerateArray().ToList();
        Assert.That(contributions.Select(c => (c.GetProperty("ruleId").GetString(), c.GetProperty("points").GetInt32())), Does.Contain(("ilo-indicators", 3)));
        Assert.That(profile.GetProperty("score").GetInt32(), Is.EqualTo(contributions.Sum(c => c.GetProperty("points").GetInt32())));
        Assert.That(profile.GetProperty("signals").EnumerateArray().Select(s => s.GetProperty("source").GetString()), Is.EqualTo(new[] { "audit", "grievance" }));
        using var byId = await _admin.GetAsync($"api/v1/facilities/{mill}/risk");
        Assert.That((await byId.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString(), Is.EqualTo(gln), "the Provenance id finds the same site");
    }

    [Test]
    public async Task Should_warn_when_a_facility_s_grievances_stop_after_one_was_acknowledged()
    {
        var mill = Guid.NewGuid();
        await TestBus.PublishAsync(_virtualHost, Facility(mill, "4701234500023", "Narayanganj Dyeing", country: "BD"));
        var acknowledgedAt = Now.AddDays(-60);
        var grievances = Enumerable.Range(1, 6).Select(i => Grievance(mill, acknowledgedAt.AddDays(-i * 14))).ToArray();
        await TestBus.PublishAsync(_virtualHost, grievances);
        await Settled("Risk keeps the grievances", async () => await _database.ScalarAsync<long>("SELECT count(*) FROM risk.grievance_case WHERE facility_id = @Id", new { Id = mill }) == 6);
        Assert.That(await FlagsOf("4701234500023"), Is.Empty);
        await TestBus.PublishAsync(_virtualHost, new GrievanceStatusChanged
        {
            EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = acknowledgedAt, CaseId = grievances[0].CaseId, CaseReference = "GR-7KQ4P2",
            FacilityIds = [mill], PreviousStatus = "filed", Status = "acknowledged", Category = "wages-withheld",
        });
        await Settled("Risk warns of silence", async () => (await FlagsOf("4701234500023")).Any(f => f.Rule == "reprisal-warning"));
    }

    [Test]
    public async Task Should_flag_a_facility_that_ships_more_than_its_audited_capacity_whichever_arrives_first()
    {
        var mill = Guid.NewGuid();
        const string gln = "6001234500023";
        var thisMonth = new DateOnly(Today.Year, Today.Month, 1);
        var capacity = Audit(gln, "Kumasi Cocoa Processing", "GH", Today.AddDays(-40)) with
        {
            ProductionCapacity = new ProductionCapacity { Quantity = 20_000, Unit = "kg", Period = "month" },
        };
        // Shipped before the capacity arrives: 30 t this month (and 500 bales, which weigh nothing known), 5 t last month.
        await TestBus.PublishAsync(_virtualHost, Facility(mill, gln, "Kumasi Cocoa Processing", country: "GH"));
        await TestBus.PublishAsync(_virtualHost,
            Shipment(mill) with { Quantity = 18, ShipDate = thisMonth }, Shipment(mill) with { Quantity = 12_000, Unit = "kg", ShipDate = thisMonth },
            Shipment(mill) with { Quantity = 500, Unit = "bales", ShipDate = thisMonth }, Shipment(mill) with { Quantity = 5, ShipDate = thisMonth.AddMonths(-1) });
        await Settled("Risk keeps the shipments", async () =>
            await _database.ScalarAsync<long>("SELECT count(*) FROM risk.shipment_facility WHERE facility_id = @Id AND quantity IS NOT NULL", new { Id = mill }) == 4);
        Assert.That((await FlagsOf(gln)).Where(f => f.Rule == "mass-balance"), Is.Empty, "no capacity known yet");

        await TestBus.PublishAsync(_virtualHost, capacity);
        await Settled("Risk weighs the shipments against the capacity", async () => (await FlagsOf(gln)).Any(f => f.Rule == "mass-balance"));
        var period = thisMonth.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(await EvidenceOf(gln, "mass-balance"), Is.EqualTo(new[] { $"audit:{capacity.AuditId}", $"mass-balance:{gln}:{period}" }));
        var explanation = await _database.ScalarAsync<string>("SELECT explanation FROM risk.flag WHERE subject_id = @Gln AND rule_id = 'mass-balance'", new { Gln = gln });
        Assert.That(explanation, Does.Contain($"shipped 30,000 kg in {period} (2 shipment(s))").And.Contain("1 shipment(s) in bales were not counted"));

        // A later shipment is judged as it arrives: next month over capacity too, so its period joins the flag.
        var next = Shipment(mill) with { Quantity = 25, ShipDate = thisMonth.AddMonths(1) };
        await TestBus.PublishAsync(_virtualHost, next);
        var nextPeriod = thisMonth.AddMonths(1).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        await Settled("Risk adds next month", async () => (await EvidenceOf(gln, "mass-balance")).Contains($"mass-balance:{gln}:{nextPeriod}"));
        Assert.That((await FlagsOf(gln)).Count(f => f.Rule == "mass-balance"), Is.EqualTo(1), "one open flag per facility");
    }

    [Test]
    public async Task Should_count_a_period_again_at_once_when_shipments_push_it_over_a_higher_capacity_that_cleared_it()
    {
        var mill = Guid.NewGuid();
        const string gln = "6001234500049";
        var thisMonth = new DateOnly(Today.Year, Today.Month, 1);
        var (period, nextPeriod) = (thisMonth.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture),
            thisMonth.AddMonths(1).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture));
        Task<long> ClearedAsync(string evidence) => _database.ScalarAsync<long>("""
            SELECT count(*) FROM risk.flag_evidence e JOIN risk.flag f ON f.id = e.flag_id
            WHERE f.subject_id = @Gln AND f.rule_id = 'mass-balance' AND f.is_open = 1 AND e.evidence_id = @Evidence AND e.cleared_at IS NOT NULL
            """, new { Gln = gln, Evidence = evidence });
        await TestBus.PublishAsync(_virtualHost, Facility(mill, gln, "Obuasi Cocoa Processing", country: "GH"),
            Audit(gln, "Obuasi Cocoa Processing", "GH", Today.AddDays(-60)) with { ProductionCapacity = new ProductionCapacity { Quantity = 20, Unit = "t", Period = "month" } });
        await Settled("Risk keeps the facility and its capacity", async () =>
            await _database.ScalarAsync<long>("SELECT count(*) FROM risk.facility_audit WHERE gln = @Gln", new { Gln = gln }) == 1
            && await _database.ScalarAsync<long>("SELECT count(*) FROM risk.facility WHERE id = @Id", new { Id = mill }) == 1);
        // 30 t this month and 50 t next month, both over 20 t.
        await TestBus.PublishAsync(_virtualHost, Shipment(mill) with { Quantity = 30, ShipDate = thisMonth }, Shipment(mill) with { Quantity = 50, ShipDate = thisMonth.AddMonths(1) });
        await Settled("both months over capacity", async () => (await EvidenceOf(gln, "mass-balance")).Contains($"mass-balance:{gln}:{nextPeriod}")
            && (await EvidenceOf(gln, "mass-balance")).Contains($"mass-balance:{gln}:{period}"));

        // A newer audit states 40 t: this month (30 t) is no longer over it and is cleared; next month (50 t) keeps the flag open.
        await TestBus.PublishAsync(_virtualHost,
            Audit(gln, "Obuasi Cocoa Processing", "GH", Today.AddDays(-10)) with { ProductionCapacity = new ProductionCapacity { Quantity = 40, Unit = "t", Period = "month" } });
        await Settled("the higher capacity clears this month", async () => await ClearedAsync($"mass-balance:{gln}:{period}") == 1);
        var counted = await _database.ScalarAsync<int>("SELECT evidence_count FROM risk.flag WHERE subject_id = @Gln AND rule_id = 'mass-balance' AND is_open = 1", new { Gln = gln });

        // 15 t more this month: 45 t, over 40 t and its tolerance again. The flag says so as the shipment is judged.
        var more = Shipment(mill) with { Quantity = 15, ShipDate = thisMonth };
        await TestBus.PublishAsync(_virtualHost, more);
        await Settled("this month counts again", async () => await ClearedAsync($"mass-balance:{gln}:{period}") == 0);
        Assert.That(await _database.ScalarAsync<int>("SELECT evidence_count FROM risk.flag WHERE subject_id = @Gln AND rule_id = 'mass-balance' AND is_open = 1", new { Gln = gln }),
            Is.EqualTo(counted + 1), "counted again");
        Assert.That(await _database.ScalarAsync<string>("""
            SELECT h.reason FROM risk.flag_history h JOIN risk.flag f ON f.id = h.flag_id
            WHERE f.subject_id = @Gln AND f.rule_id = 'mass-balance' AND f.is_open = 1 ORDER BY h.flag_version DESC LIMIT 1
            """, new { Gln = gln }), Is.EqualTo($"judged again after shipment:{more.ShipmentId}"));
        Assert.That((await FlagsOf(gln)).Count(f => f.Rule == "mass-balance"), Is.EqualTo(1), "still one flag, never withdrawn");
    }

    [Test]
    public async Task Should_find_a_never_audited_origin_when_the_facility_arrives_after_its_shipment()
    {
        var origin = Guid.NewGuid();
        var shipment = Shipment(origin);
        await TestBus.PublishAsync(_virtualHost, shipment);
        await Settled("Risk evaluates the shipment", async () =>
            await _database.ScalarAsync<long>("SELECT count(*) FROM risk.shipment_evaluation WHERE shipment_id = @Id", new { Id = shipment.ShipmentId }) == 1);
        Assert.That(await FlagsOf(shipment.ShipmentId.ToString()), Is.Empty, "its origin is not known yet");
        await TestBus.PublishAsync(_virtualHost, Facility(origin, "8901234500029", "Erode Spinning", country: "IN"));
        await Settled("Risk finds the gap", async () => (await FlagsOf(shipment.ShipmentId.ToString())).Any(f => f.Rule == "provenance-gap"));
        Assert.That(await EvidenceOf(shipment.ShipmentId.ToString(), "provenance-gap"), Is.EqualTo(new[] { "facility:8901234500029", $"shipment:{shipment.ShipmentId}" }),
            "the evidence a shipment after its facility gets");
    }

    [Test]
    public async Task Should_flag_a_transformation_of_inputs_the_exporter_never_received()
    {
        const string mill = "urn:epc:id:sgln:4012345.00001.0", otherMill = "urn:epc:id:sgln:4012345.00002.0";
        var lot = Guid.NewGuid().ToString("N")[..8];
        string Epc(int n) => $"urn:epc:id:sgtin:4012345.011111.{lot}{n}";
        var t0 = Now.AddDays(-3);
        CapturedEpcisEvent Event(string type, DateTime at, string location, string[] epcs, string[]? inputs = null) => new()
        {
            EpcisEventId = $"urn:uuid:{Guid.NewGuid()}", EventType = type, EventTime = at, BizLocation = location, Epcs = epcs, EpcCount = epcs.Length,
            InputEpcs = inputs ?? [], LinkKind = type == "TransformationEvent" ? "transforming" : "receiving", BizStep = type == "TransformationEvent" ? "commissioning" : "receiving",
        };
        var transformed = Event("TransformationEvent", t0.AddDays(1), mill, [Epc(1), Epc(2), Epc(3)], inputs: [Epc(1), Epc(2)]);
        var document = new EpcisEventsCaptured
        {
            EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = Now, CaptureId = Guid.NewGuid(),
            // Received lot 1 (earlier in the same document counts), never lot 2; the transformation makes lot 3.
            Events = [Event("ObjectEvent", t0, mill, [Epc(1)]), transformed],
        };
        // A later document transforms lot 3, which the exporter made itself: nothing to flag there.
        var later = new EpcisEventsCaptured
        {
            EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = Now, CaptureId = Guid.NewGuid(),
            Events = [Event("TransformationEvent", t0.AddDays(2), otherMill, [Epc(3), Epc(4)], inputs: [Epc(3)])],
        };
        // One after the other: a transformation is judged as it arrives (two documents consumed at once could be judged in
        // either order; README, known gaps).
        var ids = new[] { Guid.NewGuid(), Guid.NewGuid() };
        await TestBus.PublishAsync(_virtualHost, (document, ids[0]));
        await Settled("Risk consumes the first document", async () =>
            await _database.ScalarAsync<long>("SELECT count(*) FROM risk.inbox_message WHERE message_id = @Id", new { Id = ids[0] }) == 1);
        await TestBus.PublishAsync(_virtualHost, (later, ids[1]));
        await Settled("Risk consumes the second document", async () =>
            await _database.ScalarAsync<long>("SELECT count(*) FROM risk.inbox_message WHERE message_id = @Id", new { Id = ids[1] }) == 1);

        var gln = Traceability.Risk.Rules.TransformationInputsRule.GlnOfSgln(mill)!;
        Assert.That((await FlagsOf(gln)).Select(f => (f.Rule, f.Severity)), Is.EqualTo(new[] { ("transformation-inputs", "medium") }));
        var note = await _database.ScalarAsync<string>(
            "SELECT e.note FROM risk.flag_evidence e JOIN risk.flag f ON f.id = e.flag_id WHERE f.subject_id = @Gln AND e.evidence_id = @Id",
            new { Gln = gln, Id = $"epcis:{transformed.EpcisEventId}" });
        Assert.That(note, Is.EqualTo($"inputs never held before: {Epc(2)}"));
        Assert.That(await FlagsOf(Traceability.Risk.Rules.TransformationInputsRule.GlnOfSgln(otherMill)!), Is.Empty, "its input was the first transformation's output");
    }

    [Test]
    public async Task Should_follow_a_shipment_s_lot_back_to_a_Xinjiang_gin_whichever_order_the_chain_arrives_in_and_twice()
    {
        // The gin is registered last of all: its events were kept by GLN and lead forward to the shipment once Risk knows where it is.
        const string gin = "urn:epc:id:sgln:6901234.00021.0", mill = "urn:epc:id:sgln:6901234.00022.0";
        var ginGln = Traceability.Risk.Rules.ChainPlace.GlnOf(gin)!;
        var run = Guid.NewGuid().ToString("N")[..8];
        string cotton = $"urn:epc:class:lgtin:4012345.012345.C{run}", yarn = $"urn:epc:class:lgtin:4012345.012346.Y{run}";
        EpcisEventsCaptured Document(CapturedEpcisEvent e) => new() { EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = Now, CaptureId = Guid.NewGuid(), Events = [e] };
        var ginned = new CapturedEpcisEvent
        {
            EpcisEventId = $"urn:uuid:{Guid.NewGuid()}", EventType = "ObjectEvent", EventTime = Now.AddDays(-9), BizStep = "commissioning", Action = "ADD",
            BizLocation = gin, Epcs = [cotton], EpcCount = 1,
        };
        var spun = new CapturedEpcisEvent
        {
            EpcisEventId = $"urn:uuid:{Guid.NewGuid()}", EventType = "TransformationEvent", EventTime = Now.AddDays(-5), LinkKind = "transforming",
            BizLocation = mill, Epcs = [cotton, yarn], EpcCount = 2, InputEpcs = [cotton],
        };
        var shipment = Shipment(null) with { ShipDate = Today.AddDays(-2), Epcs = [yarn] };
        object[] late = [shipment, Document(spun), Document(ginned), Facility(Guid.NewGuid(), ginGln, "Kashgar Ginning", region: "Xinjiang")];
        var messages = late.Select(m => (m, Guid.NewGuid())).ToArray();
        foreach (var message in messages)
        {
            await TestBus.PublishAsync(_virtualHost, message);
            await Settled("Risk consumes it", async () =>
                await _database.ScalarAsync<long>("SELECT count(*) FROM risk.inbox_message WHERE message_id = @Id", new { Id = message.Item2 }) > 0);
        }
        await Settled("Risk flags the shipment", async () => (await FlagsOf(shipment.ShipmentId.ToString())).Count > 0);
        var first = await FlagsOf(shipment.ShipmentId.ToString());
        var evidence = await EvidenceOf(shipment.ShipmentId.ToString(), "uflpa-region");

        await TestBus.PublishAsync(_virtualHost, messages);
        var ids = new { Ids = messages.Select(m => m.Item2).ToArray() };
        await Settled("Risk absorbs every second delivery", async () =>
            await _database.ScalarAsync<long>("SELECT count(*) FROM risk.inbox_message WHERE message_id = ANY(@Ids) AND duplicates = 0", ids) == 0);

        Assert.That(first.Select(f => (f.Rule, f.Severity)), Is.EqualTo(new[] { ("uflpa-region", "critical") }));
        Assert.That(await FlagsOf(shipment.ShipmentId.ToString()), Is.EqualTo(first), "nothing doubled");
        Assert.That(await EvidenceOf(shipment.ShipmentId.ToString(), "uflpa-region"), Is.EqualTo(evidence));
        Assert.That(evidence, Is.SupersetOf(new[] { $"epcis:{ginned.EpcisEventId}", $"epcis:{spun.EpcisEventId}", $"facility:{ginGln}", $"shipment:{shipment.ShipmentId}" }));
        var explanation = await _database.ScalarAsync<string>("SELECT explanation FROM risk.flag WHERE subject_id = @Id AND rule_id = 'uflpa-region'",
            new { Id = shipment.ShipmentId.ToString() });
        Assert.That(explanation, Does.Contain($"{cotton} was made at 'Kashgar Ginning' (Xinjiang, region 'Xinjiang')").And.Contain($"then transformed into {yarn}"));
    }

    private async Task<List<string>> EvidenceOf(string subject, string rule)
    {
        await using var connection = _database.Open();
        return (await connection.QueryAsync<string>(
            "SELECT e.evidence_id FROM risk.flag_evidence e JOIN risk.flag f ON f.id = e.flag_id WHERE f.subject_id = @Subject AND f.rule_id = @Rule ORDER BY e.evidence_id",
            new { Subject = subject, Rule = rule })).ToList();
    }

    // The open flags of some subjects as a sentence each: rule, severity, subject, scope country and the kinds of evidence that
    // still count (ids made comparable across two runs: this run's own ids become their names, any other uuid '#').
    private async Task<List<string>> OpenFlagsOf(IReadOnlyDictionary<string, string> subjects)
    {
        await using var connection = _database.Open();
        var rows = await connection.QueryAsync<(Guid Id, string Rule, string Severity, string Subject, string Country)>(
            "SELECT id, rule_id, severity, subject_id, scope_country FROM risk.flag WHERE is_open = 1 AND subject_id = ANY(@Subjects)",
            new { Subjects = subjects.Keys.ToArray() });
        var evidence = (await connection.QueryAsync<(Guid FlagId, string Id)>(
            "SELECT flag_id, evidence_id FROM risk.flag_evidence WHERE cleared_at IS NULL AND flag_id = ANY(@Ids)", new { Ids = rows.Select(r => r.Id).ToArray() }))
            .ToLookup(e => e.FlagId, e => e.Id);
        string Named(string id) => System.Text.RegularExpressions.Regex.Replace(
            subjects.Aggregate(id, (text, s) => text.Replace(s.Key, s.Value, StringComparison.Ordinal)), "[0-9a-f]{8}-[0-9a-f-]{27}", "#");
        return rows.Select(r => $"{r.Rule}, {r.Severity}, {subjects[r.Subject]}, {r.Country}: {string.Join(" ", evidence[r.Id].Select(Named).Order(StringComparer.Ordinal))}")
            .Order(StringComparer.Ordinal).ToList();
    }

    [Test]
    public async Task Should_end_in_the_same_open_flags_when_events_arrive_out_of_order_and_twice()
    {
        async Task<List<string>> Outcome(string gln, string location, bool disordered)
        {
            // A Xinjiang mill: a finding, a worker's grievance (naming the mill by its Provenance id) and a shipment.
            var facility = Guid.NewGuid();
            var shipment = Shipment(facility);
            object[] xinjiang =
            [
                Facility(facility, gln, "Kashgar Cotton Mill", region: "Xinjiang"),
                Audit(gln, "Kashgar Cotton Mill", "CN", Today.AddDays(-5), "abusive-working-and-living-conditions"),
                Grievance(facility, Now.AddDays(-1), "abusive-working-and-living-conditions"),
                shipment,
            ];
            // A cocoa grinder where later evidence clears what earlier evidence found: an older audit's capacity and a newer,
            // higher one; two shipments (31 t this month, one with a tier naming no facility); a transformation and the receipt
            // of its inputs, captured before it.
            var grinder = Guid.NewGuid();
            var site = Traceability.Risk.Rules.TransformationInputsRule.GlnOfSgln(location)!;
            var heavy = Shipment(grinder) with { Quantity = 30, ShipDate = Today };
            var tiered = Shipment(grinder) with { Quantity = 1, ShipDate = Today, Tiers = [new SupplyTier { FacilityId = Guid.Empty, Country = "GH", Role = "farm" }] };
            var lot = Guid.NewGuid().ToString("N")[..8];
            string[] inputs = [$"urn:epc:id:sgtin:4012345.011111.{lot}1", $"urn:epc:id:sgtin:4012345.011111.{lot}2"];
            CapturedEpcisEvent Event(string type, DateTime at, string[] epcs, string[] inputEpcs) => new()
            {
                EpcisEventId = $"urn:uuid:{Guid.NewGuid()}", EventType = type, EventTime = at, BizLocation = location, Epcs = epcs, EpcCount = epcs.Length,
                InputEpcs = inputEpcs, LinkKind = inputEpcs.Length > 0 ? "transforming" : "receiving",
            };
            EpcisEventsCaptured Document(CapturedEpcisEvent e) => new() { EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = Now, CaptureId = Guid.NewGuid(), Events = [e] };
            var receipt = Document(Event("ObjectEvent", Now.AddDays(-3), inputs, []));
            var transformation = Document(Event("TransformationEvent", Now.AddDays(-2), [.. inputs, $"urn:epc:id:sgtin:4012345.011111.{lot}3"], inputs));
            var older = Audit(site, "Tema Cocoa Grinding", "GH", Today.AddDays(-60)) with
            {
                ProductionCapacity = new ProductionCapacity { Quantity = 20_000, Unit = "kg", Period = "month" },
            };
            var newer = Audit(site, "Tema Cocoa Grinding", "GH", Today.AddDays(-5)) with
            {
                ProductionCapacity = new ProductionCapacity { Quantity = 50, Unit = "t", Period = "month" },
            };
            var registered = Facility(grinder, site, "Tema Cocoa Grinding", country: "GH");
            object[] cocoa = disordered
                // Shipments before their facility and its audits (a gap, then mass balance over the older capacity), the
                // transformation before the receipt, the newer capacity last.
                ? [heavy, tiered, transformation, registered, older, receipt, newer]
                : [registered, older, newer, receipt, transformation, heavy, tiered];
            var messages = (disordered ? xinjiang.Reverse() : xinjiang).Concat(cocoa).Select(m => (m, Guid.NewGuid())).ToArray();
            // One after another, so that the order is the one written here; then, out of order, every message again.
            foreach (var message in messages)
            {
                await TestBus.PublishAsync(_virtualHost, message);
                await Settled("Risk consumes it", async () =>
                    await _database.ScalarAsync<long>("SELECT count(*) FROM risk.inbox_message WHERE message_id = @Id", new { Id = message.Item2 }) > 0);
            }
            var ids = new { Ids = messages.Select(m => m.Item2).ToArray() };
            if (disordered)
            {
                await TestBus.PublishAsync(_virtualHost, messages);
                await Settled("Risk absorbs every second delivery", async () =>
                    await _database.ScalarAsync<long>("SELECT count(*) FROM risk.inbox_message WHERE message_id = ANY(@Ids) AND duplicates = 0", ids) == 0);
            }
            return await OpenFlagsOf(new Dictionary<string, string>
            {
                [gln] = "mill", [facility.ToString()] = "mill's id", [shipment.ShipmentId.ToString()] = "shipment",
                [site] = "grinder", [grinder.ToString()] = "grinder's id", [heavy.ShipmentId.ToString()] = "heavy", [tiered.ShipmentId.ToString()] = "tiered",
            });
        }
        var ordered = await Outcome("6901234500035", "urn:epc:id:sgln:4012345.00021.0", disordered: false);
        var disordered = await Outcome("6901234500042", "urn:epc:id:sgln:4012345.00022.0", disordered: true);
        TestContext.Out.WriteLine(string.Join(Environment.NewLine, ordered));
        Assert.That(disordered, Is.EqualTo(ordered));
        Assert.That(ordered, Does.Contain("hold, critical, shipment, CN: flag:# shipment:shipment")
            .And.Contain("grievance-forced-labour, medium, mill, CN: grievance:#")
            .And.Contain("provenance-gap, medium, tiered, GH: facility:grinder shipment:tiered tiers:tiered"));
        Assert.That(ordered.Count(f => f.Contains("uflpa-region", StringComparison.Ordinal)), Is.EqualTo(2));
        Assert.That(ordered, Has.None.StartsWith("mass-balance").And.None.StartsWith("transformation-inputs").And.None.Contains("heavy"),
            "a newer, higher capacity, the receipt of the inputs and the audit leave nothing of those");
        Assert.That(ordered, Has.None.Contains("'s id"), "every flag is filed under a facility's GLN, not its Provenance id");

        // Out of order, what later evidence cleared was withdrawn by the engine, with the evidence that cleared it in its history.
        var withdrawn = await _database.ScalarAsync<long>("""
            SELECT count(*) FROM risk.flag f JOIN risk.flag_history h ON h.flag_id = f.id AND h.action = 'withdrawn'
            WHERE f.subject_id = ANY(@Subjects) AND f.resolution = 'withdrawn' AND h.actor = 'risk' AND h.reason LIKE 'cleared by %'
            """, new { Subjects = new[] { Traceability.Risk.Rules.TransformationInputsRule.GlnOfSgln("urn:epc:id:sgln:4012345.00022.0") } });
        Assert.That(withdrawn, Is.EqualTo(2), "mass-balance and transformation-inputs");
    }

    [Test]
    public async Task Should_raise_a_workplace_s_grievance_flag_high_when_the_latest_of_three_grievances_is_consumed_first()
    {
        // Grievances reach Risk in any order (two consumers, a retry): the third one filed, judged first, sees one earlier
        // grievance; the second, judged last, ends a window that holds two. Only the window holding the later one makes three.
        var facility = Guid.NewGuid();
        var gln = "75945670" + Random.Shared.Next(10000, 99999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await TestBus.PublishAsync(_virtualHost, Facility(facility, gln, "Harbour Knitwear", country: "BD"));
        await Settled("Risk knows the facility", async () => await _database.ScalarAsync<long>("SELECT count(*) FROM risk.facility WHERE gln = @Gln", new { Gln = gln }) == 1);
        foreach (var filedAt in new[] { Now.AddDays(-1), Now.AddDays(-10), Now.AddDays(-5) })
        {
            var grievance = Grievance(facility, filedAt, "withholding-of-wages");
            await TestBus.PublishAsync(_virtualHost, grievance);
            await Settled("Risk keeps the grievance", async () =>
                await _database.ScalarAsync<long>("SELECT count(*) FROM risk.grievance_signal WHERE case_id = @CaseId", new { grievance.CaseId }) == 1);
        }
        await Settled("the flag climbs to high", async () =>
            (await FlagsOf(gln)).Any(f => f.Rule == "grievance-forced-labour" && f.Severity == "high"));
        Assert.That((await FlagsOf(gln)).Count(f => f.Rule == "grievance-forced-labour"), Is.EqualTo(1));
    }

    [Test]
    public async Task Should_end_in_the_same_open_flags_when_the_late_fact_and_the_event_it_settles_are_consumed_at_once()
    {
        // Pairs Risk consumes concurrently (prefetch): a transformation and the receipt of its inputs (captured before it), and a
        // grievance and the facility it names. Each pair's two transactions take one lock, so the second sees the first.
        var pairs = Enumerable.Range(0, 6).Select(i =>
        {
            var location = $"urn:epc:id:sgln:4012345.{31 + i:00000}.0";
            var lot = Guid.NewGuid().ToString("N")[..8];
            string[] inputs = [$"urn:epc:id:sgtin:4012345.011111.{lot}1"];
            CapturedEpcisEvent Event(string type, DateTime at, string[] epcs, string[] inputEpcs) => new()
            {
                EpcisEventId = $"urn:uuid:{Guid.NewGuid()}", EventType = type, EventTime = at, BizLocation = location, Epcs = epcs, EpcCount = epcs.Length,
                InputEpcs = inputEpcs, LinkKind = inputEpcs.Length > 0 ? "transforming" : "receiving",
            };
            EpcisEventsCaptured Document(CapturedEpcisEvent e) => new() { EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = Now, CaptureId = Guid.NewGuid(), Events = [e] };
            var facility = Guid.NewGuid();
            var gln = Traceability.Risk.Rules.TransformationInputsRule.GlnOfSgln(location)!;
            return (Gln: gln, Facility: facility, Messages: new object[]
            {
                Document(Event("TransformationEvent", Now.AddDays(-1), [.. inputs, $"urn:epc:id:sgtin:4012345.011111.{lot}2"], inputs)),
                Document(Event("ObjectEvent", Now.AddDays(-2), inputs, [])),
                Grievance(facility, Now.AddDays(-1), "retention-of-identity-documents"),
                Facility(facility, gln, $"Tema Mill {i}", country: "GH"),
            });
        }).ToList();
        var messages = pairs.SelectMany(p => p.Messages).Select(m => (m, Guid.NewGuid())).ToArray();
        await TestBus.PublishAsync(_virtualHost, messages);
        var ids = new { Ids = messages.Select(m => m.Item2).ToArray() };
        await Settled("Risk consumes everything", async () =>
            await _database.ScalarAsync<long>("SELECT count(DISTINCT message_id) FROM risk.inbox_message WHERE message_id = ANY(@Ids)", ids) == messages.Length);

        foreach (var (gln, facility, _) in pairs)
        {
            Assert.That(await _database.ScalarAsync<long>("SELECT count(*) FROM risk.flag WHERE is_open = 1 AND rule_id = 'transformation-inputs' AND subject_id = @Gln", new { Gln = gln }),
                Is.Zero, "the receipt clears the transformation's inputs, whichever is consumed first");
            Assert.That(await _database.ScalarAsync<long>("SELECT count(*) FROM risk.flag WHERE is_open = 1 AND rule_id = 'grievance-forced-labour' AND subject_id = @Gln", new { Gln = gln }),
                Is.EqualTo(1), "filed under the facility's GLN");
            Assert.That(await _database.ScalarAsync<long>("SELECT count(*) FROM risk.flag WHERE is_open = 1 AND subject_id = @Id", new { Id = facility.ToString() }),
                Is.Zero, "nothing left under its Provenance id");
        }
    }
}
