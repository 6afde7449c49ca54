using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Traceability.Contracts.Provenance;

namespace Traceability.IntegrationTests;

/// <summary>
/// An operator imports a UFLPA Entity List that lists a facility Risk already knows and restarts Risk: the first start
/// that reads the new list lays it over every known facility, once, so the facility is flagged (and its shipments held)
/// without waiting for its next registration. The lists are files of the test's own; their entities are invented.
/// </summary>
[TestFixture]
[Category("Integration")]
public class When_Risk_starts_with_a_newly_imported_UFLPA_Entity_List
{
    private const string Gln = "6901234500042";
    private string _list = "";
    private RiskAlone _platform = null!;

    internal static string ListFile(params string[] rows) =>
        string.Join('\n', ["name,aliases,added,removed,basis,source", .. rows]) + "\n";

    [OneTimeSetUp]
    public async Task Start()
    {
        _list = Path.Combine(Directory.CreateTempSubdirectory("uflpa-sweep-").FullName, "uflpa-entity-list.csv");
        await File.WriteAllTextAsync(_list, ListFile("Example Unrelated Holding Co.,,2022-06-21,,section 2(d)(2)(B)(i),test list"));
        _platform = await RiskAlone.StartAsync(new Dictionary<string, string> { ["Risk__UflpaEntityListFile"] = _list });
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _platform.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(_list)!, recursive: true);
    }

    private Task<long> FlagsAsync(string rule, string subject) => _platform.Database.ScalarAsync<long>(
        "SELECT count(*) FROM risk.flag WHERE rule_id = @Rule AND subject_id = @Subject AND is_open = 1", new { Rule = rule, Subject = subject });

    [Test]
    public async Task Should_flag_a_known_facility_the_new_list_names_and_hold_its_shipments()
    {
        var tannery = Guid.NewGuid();
        var now = DateTime.UtcNow;
        var shipment = new ShipmentRecorded
        {
            EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = now, ShipmentId = Guid.NewGuid(), HsCode = "410711", Commodity = "Leather",
            OriginCountry = "CN", Quantity = 2, Unit = "t", ShipDate = DateOnly.FromDateTime(now), OriginFacilityId = tannery,
        };
        await TestBus.PublishAsync(_platform.VirtualHost, new FacilityRegistered
        {
            EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = now, FacilityId = tannery, Revision = 1, Gln = Gln, Name = "EXAMPLE TANNERY COMPANY LIMITED",
            Country = "CN", Region = "Zhejiang", FacilityType = "tannery",
        }, shipment);
        await Probe.UntilAsync(async () => await _platform.Database.ScalarAsync<long>("SELECT count(*) FROM risk.shipment_facility WHERE facility_id = @Id", new { Id = tannery }) == 1,
            TimeSpan.FromSeconds(30), "Risk keeps the tannery and its shipment");
        Assert.That(await FlagsAsync("uflpa-entity", Gln), Is.Zero, "not on the list Risk started with");

        // The operator imports a list naming it, and restarts Risk.
        await File.WriteAllTextAsync(_list, ListFile(
            "Example Unrelated Holding Co.,,2022-06-21,,section 2(d)(2)(B)(i),test list",
            "\"Example Tannery Co., Ltd.\",Example Leather Tannery,2024-01-10,,section 2(d)(2)(B)(v),test list"));
        _platform.Risk.Kill();
        await _platform.Risk.StartAsync();

        await Probe.UntilAsync(async () => await FlagsAsync("uflpa-entity", Gln) == 1, TimeSpan.FromSeconds(30), "the new list flags the tannery");
        await Probe.UntilAsync(async () => await FlagsAsync("hold", shipment.ShipmentId.ToString()) == 1, TimeSpan.FromSeconds(30), "its shipment is held");
        // Marked applied only once the shipments naming a listed facility are judged too, after the hold.
        await Probe.UntilAsync(async () => await _platform.Database.ScalarAsync<long>("SELECT count(*) FROM risk.uflpa_list_applied") == 2,
            TimeSpan.FromSeconds(30), "each list applied once");
    }
}

/// <summary>
/// An exporter's shipments named a facility before an import listed it; more name it after. Read through Provenance with the
/// exporter's key, a shipment recorded before the import and one recorded after it carry the same flags (rule, version,
/// severity, scope, explanation), whether the facility is their origin or a tier; the shipments Risk already had are judged
/// a batch per transaction (a batch of two here, so three shipments take two).
/// </summary>
[TestFixture]
[Category("EndToEnd")]
public class When_a_new_UFLPA_Entity_List_names_a_facility_shipments_already_named
{
    private string _list = "";
    private Platform _platform = null!;
    private ExporterKey _acme = null!;


    [OneTimeSetUp]
    public async Task Start()
    {
        _list = Path.Combine(Directory.CreateTempSubdirectory("uflpa-shipments-").FullName, "uflpa-entity-list.csv");
        await File.WriteAllTextAsync(_list, When_Risk_starts_with_a_newly_imported_UFLPA_Entity_List.ListFile(
            "Example Unrelated Holding Co.,,2022-06-21,,section 2(d)(2)(B)(i),test list"));
        _platform = await Platform.StartAsync(riskSettings: new Dictionary<string, string>
        {
            ["Risk__UflpaEntityListFile"] = _list, ["Risk__Rules__uflpa-entity__Parameters__BatchSize"] = "2",
        });
        _acme = await ProvenanceAdmin.OnboardAsync(_platform.Provenance, "acme");
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _platform.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(_list)!, recursive: true);
    }

    private async Task<string> CreatedAsync(string path, string json)
    {
        using var response = await _platform.Provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Post, path, json, _acme.Key));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private Task<string> ShipmentAsync(string origin, string? tier) => CreatedAsync("api/v1/shipments", $$"""
        {"hsCode":"4107.11","commodity":"Leather","originFacilityId":"{{origin}}","quantity":2,"unit":"t","shipDate":"2026-11-02"
         {{(tier is null ? "" : $$""","tiers":[{"facilityId":"{{tier}}","role":"processor"}]""")}}}
        """);

    // What the exporter sees of a shipment's open flags, everything but ids and times.
    private async Task<List<string>> FlagsOfAsync(string shipment)
    {
        using var request = When_an_exporter_records_shipments.Get(_acme, "api/v1/flags?subjectType=shipment&pageSize=500");
        using var response = await _platform.Provenance.Http.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray()
            .Where(f => f.GetProperty("subjectId").GetString() == shipment && f.GetProperty("status").GetString() == "open")
            .Select(f => string.Join(" | ", f.GetProperty("ruleId").GetString(), f.GetProperty("ruleVersion").GetInt32(), f.GetProperty("severity").GetString(),
                f.GetProperty("scopeCountry").GetString(), f.GetProperty("scopeHsChapter").GetString(), f.GetProperty("explanation").GetString()))
            .Order(StringComparer.Ordinal).ToList();
    }

    private async Task<bool> EvaluatedAsync(params string[] shipments) =>
        await _platform.Database.ScalarAsync<long>("SELECT count(*) FROM risk.shipment_evaluation WHERE shipment_id = ANY(@Ids)",
            new { Ids = shipments.Select(Guid.Parse).ToArray() }) == shipments.Length;

    [Test]
    public async Task Should_give_shipments_recorded_before_the_import_the_flags_of_those_recorded_after_it()
    {
        var tannery = await CreatedAsync("api/v1/facilities", """{"gln":"6901234500042","name":"EXAMPLE TANNERY COMPANY LIMITED","country":"CN","region":"Zhejiang","type":"processing"}""");
        var workshop = await CreatedAsync("api/v1/facilities", """{"gln":"6901234500110","name":"Example Shoe Workshop","country":"VN","type":"factory"}""");
        string[] before = [await ShipmentAsync(tannery, null), await ShipmentAsync(tannery, null), await ShipmentAsync(workshop, tannery)];
        // And goods that passed through the tannery by the exporter's EPCIS events: a lot of leather made there, then shipped by a
        // shipment that names only the lot.
        var lot = $"urn:epc:class:lgtin:6901234.041071.L{Guid.NewGuid().ToString("N")[..8]}";
        using (var capture = new HttpRequestMessage(HttpMethod.Post, "epcis/capture") { Content = new StringContent($$$"""
            {"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0",
             "creationDate":"2026-10-02T10:00:00Z","epcisBody":{"eventList":[
              {"type":"ObjectEvent","eventID":"urn:uuid:{{{Guid.NewGuid()}}}","eventTime":"2026-10-01T08:00:00.000Z","eventTimeZoneOffset":"+00:00",
               "action":"ADD","bizStep":"commissioning","bizLocation":{"id":"urn:epc:id:sgln:6901234.50004.0"},
               "quantityList":[{"epcClass":"{{{lot}}}","quantity":2,"uom":"TNE"}]}]}}
            """, System.Text.Encoding.UTF8, "application/ld+json") })
        {
            capture.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _acme.Key);
            using var captured = await _platform.Provenance.Http.SendAsync(capture);
            Assert.That(captured.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await captured.Content.ReadAsStringAsync());
        }
        var byLot = await CreatedAsync("api/v1/shipments",
            $$"""{"hsCode":"4107.11","commodity":"Leather","originCountry":"VN","quantity":2,"unit":"t","shipDate":"2026-11-02","epcs":["{{lot}}"]}""");
        await Probe.UntilAsync(() => EvaluatedAsync([.. before, byLot]), TimeSpan.FromSeconds(60), "Risk evaluates the shipments recorded before the import");
        Assert.That(await FlagsOfAsync(before[0]), Has.None.StartsWith("uflpa-entity"), "not on the list Risk started with");

        // The operator imports a list naming the tannery, and restarts Risk.
        await File.WriteAllTextAsync(_list, When_Risk_starts_with_a_newly_imported_UFLPA_Entity_List.ListFile(
            "Example Unrelated Holding Co.,,2022-06-21,,section 2(d)(2)(B)(i),test list",
            "\"Example Tannery Co., Ltd.\",Example Leather Tannery,2024-01-10,,section 2(d)(2)(B)(v),test list"));
        _platform.Risk!.Kill();
        await _platform.Risk.StartAsync();
        string[] after = [await ShipmentAsync(tannery, null), await ShipmentAsync(workshop, tannery)];
        await Probe.UntilAsync(() => EvaluatedAsync(after), TimeSpan.FromSeconds(60), "Risk evaluates the shipments recorded after the import");

        // Provenance's copy follows Risk's events: read until the shipments recorded after the import show their UFLPA flags.
        static bool Held(List<string> flags, string where) =>
            flags.Any(f => f.StartsWith($"uflpa-entity | 2 | critical | CN | 41 | Shipment of 'Leather' names 'EXAMPLE TANNERY COMPANY LIMITED' ({where})", StringComparison.Ordinal))
            && flags.Any(f => f.StartsWith("hold | 1 | critical | CN | 41 |", StringComparison.Ordinal))
            && flags.Any(f => f.StartsWith("provenance-gap |", StringComparison.Ordinal));
        await Probe.UntilAsync(async () => Held(await FlagsOfAsync(after[0]), "origin") && Held(await FlagsOfAsync(after[1]), "processor tier"),
            TimeSpan.FromSeconds(60), "the exporter sees the shipments recorded after the import flagged and held");
        await Probe.UntilAsync(async () =>
            {
                var (origin, tier) = (await FlagsOfAsync(after[0]), await FlagsOfAsync(after[1]));
                return (await FlagsOfAsync(before[0])).SequenceEqual(origin) && (await FlagsOfAsync(before[1])).SequenceEqual(origin)
                    && (await FlagsOfAsync(before[2])).SequenceEqual(tier);
            }, TimeSpan.FromSeconds(60),
            "the shipments recorded before the import end with the flags of those recorded after it");
        await Probe.UntilAsync(async () => (await FlagsOfAsync(byLot)).Any(f => f.StartsWith("uflpa-entity | 2 | critical | CN | 41 | Shipment of 'Leather': the goods it names", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60), "the shipment of goods that passed through the tannery is flagged too");
    }
}
