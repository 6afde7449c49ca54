using Dapper;
using Traceability.Contracts.Audits;
using Traceability.Contracts.Grievances;
using Traceability.Contracts.Provenance;

namespace Traceability.IntegrationTests;

/// <summary>
/// Two messages about one facility consumed at the same moment, made deterministic: the first message's transaction is held
/// at its commit, after every read and write it makes, while the second is consumed; only then is the first let go. Without
/// a lock both read before either commits and the flag either order would leave is missing; with the facility locks the second
/// waits for the first and reads what it committed. Risk runs with one message per transaction (no group commit), which is how
/// two instances consume at once.
/// </summary>
/// <remarks>
/// The hold is the database's, not the service's: a deferred constraint trigger on Risk's inbox, installed by the test in its own
/// database, waits at commit for an advisory lock the test holds, for the message ids the test names. Nothing in Risk knows of it.
/// </remarks>
[TestFixture]
[Category("EndToEnd")]
public class When_two_messages_about_one_facility_are_consumed_at_the_same_moment
{
    // The barrier's advisory lock (the two-int form: apart from Risk's own, which are one bigint).
    private const int BarrierClass = 7;
    private const int BarrierObject = 1;
    private const string Shipment = "risk.evaluate-shipment";
    private const string AuditSignals = "risk.audit-signals";
    private const string FacilityConsumer = "risk.keep-facility";
    private const string GrievanceSignals = "risk.grievance-signals";
    private const string Documents = "risk.keep-provenance-links";

    private RiskAlone _platform = null!;
    private TestDatabase _database = null!;
    private static readonly DateTime Now = DateTime.UtcNow;
    private static readonly DateOnly Today = DateOnly.FromDateTime(Now);

    [OneTimeSetUp]
    public async Task Start()
    {
        _platform = await RiskAlone.StartAsync(new Dictionary<string, string>
        {
            ["Database__MaxUnitsPerSharedTransaction"] = "1",
            // The grievance's other consumer takes the same locks; switched off, only the two transactions raced wait on each other.
            ["Risk__Rules__grievance-forced-labour__Enabled"] = "false",
        });
        _database = _platform.Database;
        await using var connection = _database.Open();
        await connection.ExecuteAsync($"""
            CREATE TABLE public.test_barrier (message_id uuid, consumer text, PRIMARY KEY (message_id, consumer));
            CREATE FUNCTION public.test_barrier_wait() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
            BEGIN
              IF EXISTS (SELECT 1 FROM public.test_barrier WHERE message_id = NEW.message_id AND consumer = NEW.consumer) THEN
                PERFORM pg_advisory_xact_lock_shared({BarrierClass}, {BarrierObject});
              END IF;
              RETURN NULL;
            END $$;
            CREATE CONSTRAINT TRIGGER test_barrier_at_commit AFTER INSERT ON risk.inbox_message
              DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.test_barrier_wait();
            """);
    }

    [OneTimeTearDown]
    public async Task Stop() => await _platform.DisposeAsync();

    [TestCase(true, TestName = "A shipment held at commit while an audit of its origin is consumed")]
    [TestCase(false, TestName = "An audit held at commit while a shipment from the audited facility is consumed")]
    public async Task Should_weigh_the_audit_for_the_shipment_and_the_shipment_against_the_audited_capacity(bool shipmentFirst)
    {
        var (facility, gln) = await RegisteredAsync("BD", region: null);
        var audit = Audit(gln, Today.AddDays(-10)) with { ProductionCapacity = new ProductionCapacity { Quantity = 1_000, Unit = "kg", Period = "month" } };
        var shipment = ShipmentFrom(facility, 5_000);

        await (shipmentFirst
            ? InRaceAsync((shipment, Shipment), (audit, AuditSignals))
            : InRaceAsync((audit, AuditSignals), (shipment, Shipment)));

        Assert.That(await OpenFlagsAsync("provenance-gap", shipment.ShipmentId.ToString()), Is.Zero,
            "the audit 10 days before the ship date covers the origin, whichever was consumed first");
        Assert.That(await OpenFlagsAsync("mass-balance", gln), Is.EqualTo(1), "5,000 kg left a site audited for 1,000 kg a month");
    }

    [TestCase(true, TestName = "A shipment held at commit while its facility in Xinjiang is registered")]
    [TestCase(false, TestName = "A facility in Xinjiang held at commit while a shipment naming it is consumed")]
    public async Task Should_flag_the_shipment_naming_a_facility_in_Xinjiang(bool shipmentFirst)
    {
        var facility = Guid.NewGuid();
        var gln = NewGln();
        var registered = Registered(facility, gln, "CN", "CN-XJ");
        var shipment = ShipmentFrom(facility, 10);

        await (shipmentFirst
            ? InRaceAsync((shipment, Shipment), (registered, FacilityConsumer))
            : InRaceAsync((registered, FacilityConsumer), (shipment, Shipment)));

        Assert.That(await OpenFlagsAsync("uflpa-region", gln), Is.EqualTo(1));
        Assert.That(await OpenFlagsAsync("uflpa-region", shipment.ShipmentId.ToString()), Is.EqualTo(1),
            "the shipment names a facility in Xinjiang, whichever Risk heard of first");
        Assert.That(await OpenFlagsAsync("hold", shipment.ShipmentId.ToString()), Is.EqualTo(1), "and the facility's critical flag holds it");
    }

    [TestCase(true, TestName = "A grievance held at commit while an audit finding the same indicator there is consumed")]
    [TestCase(false, TestName = "An audit held at commit while a grievance of the same indicator there is consumed")]
    public async Task Should_count_one_indicator_from_a_worker_and_an_auditor_as_two_independent_sources(bool grievanceFirst)
    {
        var (facility, gln) = await RegisteredAsync("BD", region: null);
        var audit = Audit(gln, Today.AddDays(-5), "withholding-of-wages");
        var grievance = new GrievanceFiled
        {
            EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = Now, CaseId = Guid.NewGuid(), CaseReference = "GR-7KQ4P2", FacilityIds = [facility],
            FacilityCountry = "BD", Category = "wages-withheld", IloIndicators = ["withholding-of-wages"], ForcedLabourIndicator = true, Language = "bn",
            SenderPseudonym = "p_" + new string('a', 32), FiledAt = Now.AddDays(-1),
        };

        await (grievanceFirst
            ? InRaceAsync((grievance, GrievanceSignals), (audit, AuditSignals))
            : InRaceAsync((audit, AuditSignals), (grievance, GrievanceSignals)));

        Assert.That(await OpenFlagsAsync("ilo-indicators", gln), Is.EqualTo(1),
            "withholding of wages seen by an auditor and by a worker scores 3, the threshold, whichever was consumed first");
    }

    [TestCase(true, TestName = "An EPCIS document held at commit while the facility where it observed a shipment's goods is registered in Xinjiang")]
    [TestCase(false, TestName = "A facility in Xinjiang held at commit while a document observing a shipment's goods there is consumed")]
    public async Task Should_flag_the_shipment_whose_goods_an_EPCIS_event_places_at_a_facility_in_Xinjiang(bool documentFirst)
    {
        var lot = Guid.NewGuid().ToString("N")[..10];
        var epc = $"urn:epc:id:sgtin:4012345.011111.{lot}";
        var location = $"urn:epc:id:sgln:4012345.{Random.Shared.Next(10_000, 99_999)}.0";
        var gln = Traceability.Risk.Rules.TransformationInputsRule.GlnOfSgln(location)!;
        var shipment = ShipmentFrom(null, 10) with { Epcs = [epc] };
        await TestBus.PublishAsync(_platform.VirtualHost, (shipment, Guid.NewGuid()));
        await Probe.UntilAsync(async () => await _database.ScalarAsync<long>("SELECT count(*) FROM risk.shipment_evaluation WHERE shipment_id = @Id", new { Id = shipment.ShipmentId }) == 1,
            TimeSpan.FromSeconds(60), "Risk has the shipment and the goods it names");
        var document = new EpcisEventsCaptured
        {
            EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = Now, CaptureId = Guid.NewGuid(),
            Events =
            [
                new CapturedEpcisEvent
                {
                    EpcisEventId = $"urn:uuid:{Guid.NewGuid()}", EventType = "ObjectEvent", EventTime = Now.AddDays(-3), Action = "OBSERVE", BizLocation = location,
                    Epcs = [epc], EpcCount = 1,
                },
            ],
        };
        var registered = Registered(Guid.NewGuid(), gln, "CN", "CN-XJ");

        await (documentFirst
            ? InRaceAsync((document, Documents), (registered, FacilityConsumer))
            : InRaceAsync((registered, FacilityConsumer), (document, Documents)));

        Assert.That(await OpenFlagsAsync("uflpa-region", shipment.ShipmentId.ToString()), Is.EqualTo(1),
            "the shipment's goods were at a facility in Xinjiang, whichever Risk heard of first");
    }

    /// <summary>
    /// Consumes <paramref name="held"/> up to its commit and holds it there; then consumes <paramref name="other"/> until it has
    /// committed or waits on a lock; then lets the first commit, and waits until both have.
    /// </summary>
    private async Task InRaceAsync((object Message, string Consumer) held, (object Message, string Consumer) other)
    {
        var (heldId, otherId) = (Guid.NewGuid(), Guid.NewGuid());
        await using var barrier = _database.Open();
        await barrier.ExecuteAsync("INSERT INTO public.test_barrier (message_id, consumer) VALUES (@Id, @Consumer)", new { Id = heldId, held.Consumer });
        await barrier.ExecuteAsync("SELECT pg_advisory_lock(@Class, @Object)", new { Class = BarrierClass, Object = BarrierObject });
        try
        {
            await TestBus.PublishAsync(_platform.VirtualHost, (held.Message, heldId));
            await Probe.UntilAsync(async () => await WaitingAtBarrierAsync() == 1, TimeSpan.FromSeconds(60), "the first message waits at its commit");

            await TestBus.PublishAsync(_platform.VirtualHost, (other.Message, otherId));
            await Probe.UntilAsync(async () => await ConsumedAsync(otherId, other.Consumer) || await WaitingOnRiskLocksAsync() > 0,
                TimeSpan.FromSeconds(60), "the second message has committed, or waits for the first");
        }
        finally
        {
            await barrier.ExecuteAsync("SELECT pg_advisory_unlock(@Class, @Object)", new { Class = BarrierClass, Object = BarrierObject });
        }
        await Probe.UntilAsync(async () => await ConsumedAsync(heldId, held.Consumer) && await ConsumedAsync(otherId, other.Consumer),
            TimeSpan.FromSeconds(60), "both messages consumed");
        // Other consumers of the same messages (the audit's findings, the grievance's own rule) finish too before flags are read.
        await Probe.UntilAsync(async () => await WaitingOnRiskLocksAsync() == 0 && await WaitingAtBarrierAsync() == 0, TimeSpan.FromSeconds(60), "nothing waits");
    }

    private Task<long> WaitingAtBarrierAsync() => _database.ScalarAsync<long>("""
        SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = @Class AND objid = @Object AND objsubid = 2
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
        """, new { Class = BarrierClass, Object = BarrierObject });

    // Any lock wait in the database other than the barrier's: the second transaction waiting for the first.
    private Task<long> WaitingOnRiskLocksAsync() => _database.ScalarAsync<long>("""
        SELECT count(*) FROM pg_locks WHERE NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND NOT (locktype = 'advisory' AND classid = @Class AND objid = @Object AND objsubid = 2)
        """, new { Class = BarrierClass, Object = BarrierObject });

    private async Task<bool> ConsumedAsync(Guid messageId, string consumer) =>
        await _database.ScalarAsync<long>("SELECT count(*) FROM risk.inbox_message WHERE message_id = @MessageId AND consumer = @Consumer",
            new { MessageId = messageId, Consumer = consumer }) == 1;

    private Task<long> OpenFlagsAsync(string rule, string subject) => _database.ScalarAsync<long>(
        "SELECT count(*) FROM risk.flag WHERE is_open = 1 AND rule_id = @Rule AND subject_id = @Subject", new { Rule = rule, Subject = subject });

    private async Task<(Guid Facility, string Gln)> RegisteredAsync(string country, string? region)
    {
        var facility = Guid.NewGuid();
        var gln = NewGln();
        var registered = Registered(facility, gln, country, region);
        await TestBus.PublishAsync(_platform.VirtualHost, (registered, Guid.NewGuid()));
        await Probe.UntilAsync(async () => await _database.ScalarAsync<long>("SELECT count(*) FROM risk.facility WHERE id = @Id", new { Id = facility }) == 1,
            TimeSpan.FromSeconds(60), "Risk knows the facility");
        return (facility, gln);
    }

    private static string NewGln() => "59" + Random.Shared.NextInt64(10_000_000_000, 99_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static FacilityRegistered Registered(Guid id, string gln, string country, string? region) => new()
    {
        EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = Now, FacilityId = id, Revision = 1, Gln = gln, Name = $"Mill {gln[^4..]}", Country = country,
        Region = region, FacilityType = "mill",
    };

    private static ShipmentRecorded ShipmentFrom(Guid? facility, decimal kilograms) => new()
    {
        EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = Now, ShipmentId = Guid.NewGuid(), HsCode = "520100", Commodity = "Cotton yarn",
        OriginCountry = "BD", Quantity = kilograms, Unit = "kg", ShipDate = Today, OriginFacilityId = facility,
    };

    private static AuditSubmitted Audit(string gln, DateOnly end, params string[] indicators) => new()
    {
        EventId = Guid.NewGuid(), TenantId = AuditsTenant.Id, OccurredAt = Now, AuditId = Guid.NewGuid(),
        Facility = new AuditedFacility { Gln = gln, Name = $"Mill {gln[^4..]}", Country = "BD" }, Scheme = "SMETA", AuditType = "periodic",
        Announcement = "unannounced", StartDate = end.AddDays(-2), EndDate = end, LeadAuditorId = "aud-1",
        Findings = indicators.Select(i => new AuditFinding { FindingId = Guid.NewGuid(), Code = "FL-X", IloIndicators = [i], Severity = "major", Status = "open" }).ToList(),
    };
}
