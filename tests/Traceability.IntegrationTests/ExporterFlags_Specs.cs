using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Traceability.Contracts.Risk;
using Traceability.Hosting;
using Traceability.Risk.Flags;

namespace Traceability.IntegrationTests;

/// <summary>Exporters read Risk's flags about their own shipments and facilities from Provenance's copy, over the real bus.</summary>
[TestFixture]
[Category("EndToEnd")]
public class When_an_exporter_reads_the_flags_about_its_own_records : ExportersOnAPlatform
{
    private TestFlagBook _flags = null!;

    // Runs after the base fixture's platform start (NUnit runs a base class's one-time set-up first).
    [OneTimeSetUp]
    public void StartFlagBook()
    {
        _flags = new TestFlagBook(_database.ConnectionString);
    }

    [OneTimeTearDown]
    public void StopSignal()
    {
        _flags?.Dispose();
    }

    private async Task<List<JsonElement>> FlagsOf(ExporterKey exporter)
    {
        using var request = When_an_exporter_records_shipments.Get(exporter, "api/v1/flags?pageSize=500");
        using var response = await _provenance.Http.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray().ToList();
    }

    private Task RaiseAsync(string gln, params FlagEvidence[] evidence) => _flags.RaiseAsync(new FlagSignal
    {
        RuleId = "test-grievance-cluster", RuleVersion = 1, Severity = Severity.Medium, Subject = FlagSubject.Facility(gln), TenantId = "grievances",
        Scope = new FlagScope("GH"), Explanation = $"{evidence.Length} workers reported wages withheld at this facility.", Evidence = evidence,
    });

    private static FlagEvidence[] Grievances(int count) =>
        Enumerable.Range(0, count).Select(_ => new FlagEvidence($"grievance:{Guid.NewGuid()}", EvidenceSource.Grievance)).ToArray();

    [Test]
    public async Task Should_show_a_shipment_flag_to_its_exporter_only_and_follow_its_resolution()
    {
        using var created = await _provenance.Http.SendAsync(When_an_exporter_records_shipments.Post(_acme, When_an_exporter_records_shipments.Shipment("Cocoa", "CI")));
        var shipment = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await Probe.UntilAsync(async () => (await FlagsOf(_acme)).Any(f => f.GetProperty("subjectId").GetString() == shipment), TimeSpan.FromSeconds(30),
            "Provenance keeps the flag Risk raised");
        var flag = (await FlagsOf(_acme)).Single(f => f.GetProperty("subjectId").GetString() == shipment);
        Assert.That((flag.GetProperty("ruleId").GetString(), flag.GetProperty("severity").GetString(), flag.GetProperty("status").GetString()),
            Is.EqualTo(("dol-goods-list", "high", "open")));
        Assert.That(flag.GetProperty("explanation").GetString(), Does.Contain("Côte d'Ivoire"));
        Assert.That(flag.TryGetProperty("evidence", out _), Is.False, "exporters never see evidence ids");
        Assert.That((await FlagsOf(_rival)).Select(f => f.GetProperty("subjectId").GetString()), Does.Not.Contain(shipment));

        var id = flag.GetProperty("id").GetGuid();
        using (var resolved = await _riskAsAdmin.PostAsJsonAsync($"api/v1/flags/{id}/resolve", new { resolution = "dismissed", version = 1 }))
        {
            Assert.That(resolved.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
        await Probe.UntilAsync(async () => (await FlagsOf(_acme)).Single(f => f.GetProperty("id").GetGuid() == id).GetProperty("status").GetString() == "resolved",
            TimeSpan.FromSeconds(30), "Provenance follows FlagStatusChanged");
    }

    [Test]
    public async Task Should_show_a_facility_flag_without_grievance_content_and_withhold_counts_below_five()
    {
        const string gln = "6291041500213";
        using (var facility = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Post, "api/v1/facilities",
                   $$"""{"gln":"{{gln}}","name":"Ahafo Cocoa Cooperative","country":"GH","type":"cooperative"}""", _acme.Key)))
        {
            Assert.That(facility.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }
        await RaiseAsync(gln, Grievances(2));
        await Probe.UntilAsync(async () => (await FlagsOf(_acme)).Any(f => f.GetProperty("subjectId").GetString() == gln), TimeSpan.FromSeconds(30),
            "Provenance keeps the facility flag");
        var flag = (await FlagsOf(_acme)).Single(f => f.GetProperty("subjectId").GetString() == gln);
        Assert.That(flag.GetProperty("explanation").GetString(), Does.Not.Contain("wages").And.Not.Contain("2"), "no grievance content, no small count");
        Assert.That((flag.GetProperty("grievanceCount").ValueKind, flag.GetProperty("grievanceCountSuppressed").GetBoolean()), Is.EqualTo((JsonValueKind.Null, true)));
        Assert.That((await FlagsOf(_rival)).Select(f => f.GetProperty("subjectId").GetString()), Does.Not.Contain(gln), "rival has no facility with this GLN");

        await RaiseAsync(gln, Grievances(3));
        await Probe.UntilAsync(async () => (await FlagsOf(_acme)).Single(f => f.GetProperty("subjectId").GetString() == gln).GetProperty("grievanceCount") is
            { ValueKind: JsonValueKind.Number } count && count.GetInt32() == 5, TimeSpan.FromSeconds(30), "five grievances are shown as five");
    }

    [Test]
    public async Task Should_keep_the_newest_state_when_events_arrive_out_of_order_or_twice()
    {
        using var created = await _provenance.Http.SendAsync(When_an_exporter_records_shipments.Post(_acme, When_an_exporter_records_shipments.Shipment("Coffee", "DE")));
        var shipment = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var flagId = Guid.NewGuid();
        var raised = new FlagRaised
        {
            EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = DateTime.UtcNow.AddMinutes(-5), FlagId = flagId, RuleId = "test-rule", RuleVersion = 1,
            Severity = "medium", SubjectType = "shipment", SubjectId = shipment, ScopeCountry = "DE", Explanation = "Raised.",
        };
        var resolved = new FlagStatusChanged
        {
            EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = DateTime.UtcNow, FlagId = flagId, Version = 3, Action = "resolved", Status = "resolved",
            Resolution = "remediated", Severity = "high", RuleId = "test-rule", RuleVersion = 1, SubjectType = "shipment", SubjectId = shipment,
            ScopeCountry = "DE", Explanation = "Raised, then worse.", RaisedAt = raised.OccurredAt,
        };
        const string consumed = "SELECT count(*) + COALESCE(SUM(duplicates), 0) FROM provenance.inbox_message WHERE consumer LIKE 'provenance.keep-flag%'";
        var before = await _database.ScalarAsync<long>(consumed);
        // The newest first, the oldest after it, and the newest again.
        await TestBus.PublishAsync(_virtualHost, resolved, raised, resolved with { EventId = Guid.NewGuid() });
        await Probe.UntilAsync(async () => await _database.ScalarAsync<long>(consumed) >= before + 3, TimeSpan.FromSeconds(30), "Provenance consumes all three");
        var flag = (await FlagsOf(_acme)).Single(f => f.GetProperty("id").GetGuid() == flagId);
        Assert.That((flag.GetProperty("status").GetString(), flag.GetProperty("resolution").GetString(), flag.GetProperty("severity").GetString()),
            Is.EqualTo(("resolved", "remediated", "high")));
    }

    [Test]
    public async Task Should_keep_each_flag_of_a_redelivered_batch_once()
    {
        var shipments = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            using var created = await _provenance.Http.SendAsync(When_an_exporter_records_shipments.Post(_acme, When_an_exporter_records_shipments.Shipment("Coffee", "DE")));
            shipments.Add((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
        }
        var flags = shipments.Select(shipment => new FlagRaised
        {
            EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = DateTime.UtcNow, FlagId = Guid.NewGuid(), RuleId = "test-rule", RuleVersion = 1,
            Severity = "medium", SubjectType = "shipment", SubjectId = shipment, ScopeCountry = "DE", Explanation = "Raised.",
        }).ToList();
        var batch = new FlagsRaised { EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = DateTime.UtcNow, Flags = flags };
        var batchId = Guid.NewGuid();

        // The first flag also alone, with the id the batch carries for it; the batch twice under one transport id (a redelivery).
        await TestBus.PublishAsync(_virtualHost, (flags[0], flags[0].EventId), (batch, batchId), (batch, batchId));

        var ids = flags.Select(f => f.EventId).ToArray();
        await Probe.UntilAsync(async () => await _database.ScalarAsync<long>(
            "SELECT coalesce(sum(duplicates), 0) FROM provenance.inbox_message WHERE message_id = ANY(@Ids)", new { Ids = ids }) == 3,
            TimeSpan.FromSeconds(30), "every copy was consumed: the first flag twice a duplicate, the second once");
        Assert.That(await _database.ScalarAsync<long>("SELECT count(*) FROM provenance.inbox_message WHERE message_id = ANY(@Ids)", new { Ids = ids }), Is.EqualTo(2),
            "each flag kept under its own id, not the batch's");
        foreach (var flag in flags)
        {
            Assert.That((await FlagsOf(_acme)).Count(f => f.GetProperty("id").GetGuid() == flag.FlagId), Is.EqualTo(1));
        }
    }
}
