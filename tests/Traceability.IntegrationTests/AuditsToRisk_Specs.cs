using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Traceability.Hosting;

namespace Traceability.IntegrationTests;

/// <summary>From an auditor's token or a certifier's decision to the flag in Risk, over the real bus.</summary>
[TestFixture]
[Category("EndToEnd")]
public class When_audits_and_certificates_reach_Risk : AuditsOnAPlatform
{
    private static IEnumerable<string?> RulesOf(JsonElement flags) => flags.EnumerateArray().Select(f => f.GetProperty("ruleId").GetString());

    [Test]
    public async Task Should_flag_the_facility_critical_for_a_zero_tolerance_finding_and_high_for_two_ILO_indicators()
    {
        await RegisterAuditorAsync("e2e-1");
        using var auditor = Auditor("e2e-1");
        var gln = NewGln();
        using var created = await auditor.PostAsync("api/v1/audits", Json(Audit(gln, DocumentsRetained + "," + ExcessiveOvertime)));
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
        var audit = await BodyAsync(created);

        await Probe.UntilAsync(async () => RulesOf(await FlagsAsync("facility", gln)).Count() == 2, TimeSpan.FromSeconds(30), "Risk flags the facility twice");
        var flags = (await FlagsAsync("facility", gln)).EnumerateArray().ToDictionary(f => f.GetProperty("ruleId").GetString()!);
        var zeroTolerance = flags["audit-zero-tolerance"];
        Assert.That(zeroTolerance.GetProperty("severity").GetString(), Is.EqualTo("critical"));
        Assert.That(zeroTolerance.GetProperty("scopeCountry").GetString(), Is.EqualTo("GH"));
        Assert.That(zeroTolerance.GetProperty("scopeScheme").GetString(), Is.EqualTo("sa8000"));
        Assert.That(zeroTolerance.GetProperty("evidence").EnumerateArray().Select(e => e.GetString()),
            Does.Contain($"finding:{audit.GetProperty("findings")[0].GetProperty("id").GetString()}"));
        Assert.That(flags["audit-ilo-indicators"].GetProperty("severity").GetString(), Is.EqualTo("high"));
        Assert.That(flags["audit-ilo-indicators"].GetProperty("explanation").GetString(),
            Does.Contain("retention-of-identity-documents").And.Contain("excessive-overtime"));
    }

    [Test]
    public async Task Should_not_flag_an_audit_with_one_ILO_indicator_and_nothing_of_zero_tolerance()
    {
        await RegisterAuditorAsync("e2e-2");
        using var auditor = Auditor("e2e-2");
        var gln = NewGln();
        using var created = await auditor.PostAsync("api/v1/audits", Json(Audit(gln, ExcessiveOvertime + "," + Discrimination)));
        var auditId = (await BodyAsync(created)).GetProperty("id").GetGuid();
        await Probe.UntilAsync(async () => await CountAsync("risk.inbox_message i JOIN audits.outbox_message o ON o.message_id = i.message_id",
            "i.consumer = 'risk.audit-findings' AND o.body LIKE @Id", new { Id = $"%{auditId}%" }) == 1, TimeSpan.FromSeconds(30), "Risk evaluates the audit");
        Assert.That((await FlagsAsync("facility", gln)).GetArrayLength(), Is.Zero);
    }

    [Test]
    public async Task Should_flag_every_shipment_that_claimed_a_certificate_on_a_day_it_was_suspended_including_those_recorded_before()
    {
        var number = $"RA-{Guid.NewGuid():N}"[..20];
        using var issued = await _certifier.PostAsync("api/v1/certificates", Json($$"""
            {"scheme":"rainforest-alliance","number":"{{number}}","holder":{"gln":"{{NewGln()}}","name":"Estate","country":"CI"},
             "scopeHsCodes":["18"],"validFrom":"2026-01-01","validTo":"2027-12-31"}
            """));
        Assert.That(issued.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        async Task<string> ShipAsync(string shipDate)
        {
            using var response = await _platform.Provenance.Http.SendAsync(When_an_exporter_records_shipments.Post(_acme, $$"""
                {"hsCode":"1801.00","commodity":"Cocoa beans","originCountry":"GH","quantity":10,"unit":"t","shipDate":"{{shipDate}}",
                 "certificates":[{"scheme":"Rainforest Alliance","number":"{{number}}"}]}
                """));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
            return (await BodyAsync(response)).GetProperty("id").GetString()!;
        }
        var beforeSuspension = await ShipAsync("2026-03-01");
        var onTheDay = await ShipAsync("2026-04-01");
        var after = await ShipAsync("2026-05-01");
        await Probe.UntilAsync(async () => await CountAsync("risk.certificate_claim", "number = @Number", new { Number = number }) == 3, TimeSpan.FromSeconds(30),
            "Risk keeps the three claims");
        Assert.That((await FlagsAsync("shipment", after)).GetArrayLength(), Is.Zero, "valid when shipped, so far");

        using var suspended = await _certifier.PostAsync($"api/v1/certificates/rainforest-alliance/{number}/status",
            Json("""{"status":"suspended","reason":"Child labour found on the estate.","effectiveFrom":"2026-04-01"}"""));
        Assert.That(suspended.StatusCode, Is.EqualTo(HttpStatusCode.OK), await suspended.Content.ReadAsStringAsync());

        await Probe.UntilAsync(async () => (await FlagsAsync("shipment", onTheDay)).GetArrayLength() == 1 && (await FlagsAsync("shipment", after)).GetArrayLength() == 1,
            TimeSpan.FromSeconds(30), "Risk flags the shipments from the suspension's day on");
        var flag = (await FlagsAsync("shipment", after))[0];
        Assert.That(flag.GetProperty("ruleId").GetString(), Is.EqualTo("certificate-status"));
        Assert.That(flag.GetProperty("severity").GetString(), Is.EqualTo("high"));
        Assert.That(flag.GetProperty("scopeScheme").GetString(), Is.EqualTo("rainforest-alliance"));
        Assert.That(flag.GetProperty("evidence").EnumerateArray().Select(e => e.GetString()),
            Is.SupersetOf(new[] { $"shipment:{after}", $"certificate:rainforest-alliance:{number}#2" }));
        Assert.That((await FlagsAsync("shipment", beforeSuspension)).GetArrayLength(), Is.Zero, "shipped while the certificate was valid");
        Assert.That(await CountAsync("risk.flag_history h JOIN risk.flag f ON f.id = h.flag_id", "f.subject_id IN (@A, @B)", new { A = onTheDay, B = after }), Is.EqualTo(2));
        Assert.That(await CountAsync("risk.outbox_message", "message_type LIKE '%FlagRaised%' AND body LIKE @Id", new { Id = $"%{after}%" }), Is.EqualTo(1));

        var recordedAfterwards = await ShipAsync("2026-06-01");
        await Probe.UntilAsync(async () => (await FlagsAsync("shipment", recordedAfterwards)).GetArrayLength() == 1, TimeSpan.FromSeconds(30),
            "a shipment recorded after the suspension is flagged when it arrives");

        using var withdrawn = await _certifier.PostAsync($"api/v1/certificates/rainforest-alliance/{number}/status",
            Json("""{"status":"withdrawn","reason":"No remediation.","effectiveFrom":"2026-04-01"}"""));
        Assert.That(withdrawn.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await Probe.UntilAsync(async () => (await FlagsAsync("shipment", after))[0].GetProperty("evidence").EnumerateArray()
            .Any(e => e.GetString() == $"certificate:rainforest-alliance:{number}#3"), TimeSpan.FromSeconds(30), "the withdrawal joins the open flag as evidence");
        var appended = (await FlagsAsync("shipment", after))[0];
        Assert.That(appended.GetProperty("evidenceCount").GetInt32(), Is.EqualTo(3));
        Assert.That((await FlagsAsync("shipment", after)).GetArrayLength(), Is.EqualTo(1), "one open flag per rule and shipment");
    }

    [Test]
    public async Task Should_change_nothing_when_Audits_events_are_delivered_again()
    {
        await RegisterAuditorAsync("e2e-3");
        using var auditor = Auditor("e2e-3");
        var gln = NewGln();
        using var created = await auditor.PostAsync("api/v1/audits", Json(Audit(gln, DocumentsRetained)));
        var audit = await BodyAsync(created);
        await Probe.UntilAsync(async () => (await FlagsAsync("facility", gln)).GetArrayLength() == 1, TimeSpan.FromSeconds(30), "Risk flags the facility");

        var finding = audit.GetProperty("findings")[0];
        var again = new Traceability.Contracts.Audits.AuditSubmitted
        {
            EventId = Guid.NewGuid(), TenantId = "audits", OccurredAt = DateTime.UtcNow, AuditId = Guid.Parse(audit.GetProperty("id").GetString()!),
            Facility = new() { Gln = gln, Name = "Mill", Country = "GH" }, Scheme = "sa8000", AuditType = "periodic", Announcement = "unannounced",
            StartDate = new DateOnly(2026, 10, 12), EndDate = new DateOnly(2026, 10, 14), LeadAuditorId = "e2e-3",
            Findings = [new() { FindingId = Guid.NewGuid(), Code = "CL-CHILD-LABOUR", Severity = "zero-tolerance", Status = "open" }],
        };
        await PublishTwiceAsync(again, again.EventId);
        await Probe.UntilAsync(async () => await CountAsync("risk.inbox_message", "consumer = 'risk.audit-findings' AND message_id = @Id AND duplicates = 1", new { Id = again.EventId }) == 1,
            TimeSpan.FromSeconds(30), "the second delivery is absorbed");
        var flag = (await FlagsAsync("facility", gln))[0];
        Assert.That(flag.GetProperty("evidence").EnumerateArray().Count(e => e.GetString() == $"finding:{again.Findings[0].FindingId}"), Is.EqualTo(1),
            "the first delivery appended its finding once; the second added nothing");
        Assert.That((await FlagsAsync("facility", gln)).GetArrayLength(), Is.EqualTo(1));
    }
}
