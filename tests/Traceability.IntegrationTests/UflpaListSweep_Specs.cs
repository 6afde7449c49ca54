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

    private static string ListFile(params string[] rows) =>
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
        Assert.That(await _platform.Database.ScalarAsync<long>("SELECT count(*) FROM risk.uflpa_list_applied"), Is.EqualTo(2), "each list applied once");
    }
}
