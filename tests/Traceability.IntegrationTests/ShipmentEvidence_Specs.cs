using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Traceability.Contracts.Provenance;
using Traceability.Hosting;

namespace Traceability.IntegrationTests;

/// <summary>
/// A flag's shipment evidence as Risk holds it (<c>GET /api/v1/shipments/{id}</c>), on Risk as a process fed over the real
/// bus: the facilities the shipment named with their roles and the certificates it claimed; readable exactly by those who
/// may list a flag about the shipment (admins: any shipment Risk knows), and nothing of the exporter's own.
/// </summary>
[TestFixture]
[Category("Integration")]
public class When_someone_working_a_flag_opens_its_shipment
{
    private RiskAlone _platform = null!;
    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.UtcNow);
    private readonly Guid _origin = Guid.NewGuid();
    private readonly Guid _tier = Guid.NewGuid();
    private ShipmentRecorded _shipment = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _platform = await RiskAlone.StartAsync();
        _shipment = new ShipmentRecorded
        {
            EventId = Guid.NewGuid(), TenantId = "acme-exports", OccurredAt = DateTime.UtcNow, ShipmentId = Guid.NewGuid(), HsCode = "180100",
            Commodity = "Cocoa", OriginCountry = "CI", Quantity = 2500, Unit = "kg", ShipDate = Today, OriginFacilityId = _origin, Buyer = "Chocolatier SA",
            Tiers = [new SupplyTier { FacilityId = _tier, Country = "GH", Role = "aggregator" }],
            Certificates = [new CertificateClaim { Scheme = "Rainforest Alliance", Number = "RA-123" }],
        };
        await TestBus.PublishAsync(_platform.VirtualHost,
            RiskAlone.Accredited("ship-ci", "SMETA", "CI"), RiskAlone.Accredited("ship-gh", "SMETA", "GH"),
            Facility(_origin, "6291041500213", "Soubré Cooperative", "CI"), Facility(_tier, "6291041500220", "Kumasi Aggregator", "GH"));
        await Probe.UntilAsync(async () => await _platform.Database.ScalarAsync<long>("SELECT count(*) FROM risk.facility") == 2
                && await _platform.Database.ScalarAsync<long>("SELECT count(*) FROM risk.auditor") == 2,
            TimeSpan.FromSeconds(30), "Risk keeps both facilities and both auditors");
        await TestBus.PublishAsync(_platform.VirtualHost, _shipment);
        await Probe.UntilAsync(async () => await _platform.Database.ScalarAsync<long>(
                "SELECT count(*) FROM risk.flag WHERE rule_id = 'dol-goods-list' AND subject_id = @Id", new { Id = _shipment.ShipmentId.ToString() }) == 1
                && await _platform.Database.ScalarAsync<long>("SELECT count(*) FROM risk.certificate_claim WHERE shipment_id = @Id", new { Id = _shipment.ShipmentId }) == 1,
            TimeSpan.FromSeconds(30), "Risk flags the cocoa from Côte d'Ivoire and keeps its certificate claim");
    }

    [OneTimeTearDown]
    public async Task Stop() => await _platform.DisposeAsync();

    private static FacilityRegistered Facility(Guid id, string gln, string name, string country) => new()
    {
        EventId = Guid.NewGuid(), TenantId = "acme-exports", OccurredAt = DateTime.UtcNow, FacilityId = id, Revision = 1, Gln = gln, Name = name,
        Country = country, FacilityType = "farm",
    };

    private HttpClient As(string who) => who switch
    {
        "admin" => TestIssuer.Shared.ClientFor(_platform.Risk, "admin-1", [Roles.Admin]),
        "caseworker" => TestIssuer.Shared.ClientFor(_platform.Risk, "case-1", [Roles.Caseworker]),
        _ => TestIssuer.Shared.ClientFor(_platform.Risk, $"user-{who}", [Roles.Auditor], who),
    };

    [Test]
    public async Task Should_show_the_facilities_it_named_and_the_certificates_it_claimed_but_nothing_of_the_exporter_s_own()
    {
        using var admin = As("admin");
        using var response = await admin.GetAsync($"api/v1/shipments/{_shipment.ShipmentId}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        var shipment = JsonDocument.Parse(body).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That((shipment.GetProperty("commodity").GetString(), shipment.GetProperty("hsCode").GetString()), Is.EqualTo(("Cocoa", "180100")));
            Assert.That(shipment.GetProperty("facilities").EnumerateArray().Select(f => (f.GetProperty("role").GetString(), f.GetProperty("name").GetString(), f.GetProperty("country").GetString())),
                Is.EquivalentTo(new[] { ("origin", "Soubré Cooperative", "CI"), ("aggregator tier", "Kumasi Aggregator", "GH") }));
            Assert.That(shipment.GetProperty("certificates").EnumerateArray().Select(c => c.GetProperty("number").GetString()), Is.EqualTo(new[] { "RA-123" }));
            Assert.That(body, Does.Not.Contain("acme-exports").And.Not.Contain("Chocolatier"), "neither the exporter nor the buyer");
        });
    }

    [Test]
    public async Task Should_open_it_to_exactly_those_who_may_list_a_flag_about_it()
    {
        var readers = new List<string>();
        foreach (var who in new[] { "admin", "caseworker", "ship-ci", "ship-gh", "ship-nowhere" })
        {
            using var http = As(who);
            var listed = (await http.GetFromJsonAsync<JsonElement>($"api/v1/flags?subjectType=shipment&subjectId={_shipment.ShipmentId}")).GetProperty("total").GetInt64();
            using var read = await http.GetAsync($"api/v1/shipments/{_shipment.ShipmentId}");
            Assert.That(read.StatusCode, Is.EqualTo(listed > 0 ? HttpStatusCode.OK : HttpStatusCode.NotFound), $"{who} lists {listed} flags about it");
            if (read.StatusCode == HttpStatusCode.OK)
            {
                readers.Add(who);
            }
        }
        Assert.That(readers, Is.EqualTo(new[] { "admin", "ship-ci" }), "the flag is scoped to its origin, Côte d'Ivoire");

        using var admin = As("admin");
        using var unknown = await admin.GetAsync($"api/v1/shipments/{Guid.NewGuid()}");
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "a shipment Risk never heard of");
    }
}
