using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Traceability.IntegrationTests;

/// <summary>UFLPA along the EPCIS chain, end to end: capture through Provenance, a shipment naming the lot, the flag listed by Risk.</summary>
public partial class When_an_exporter_speaks_EPCIS
{
    private const string AksuGin = "urn:epc:id:sgln:6901234.00011.0", ShanghaiMill = "urn:epc:id:sgln:6901234.00012.0", CatLai = "urn:epc:id:sgln:8934567.00013.0";

    private async Task RegisterAsync(ExporterKey exporter, string gln, string name, string country, string region, string type)
    {
        using var response = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Post, "api/v1/facilities",
            $$"""{"gln":"{{gln}}","name":"{{name}}","country":"{{country}}","region":"{{region}}","type":"{{type}}"}""", exporter.Key));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
    }

    private static string ChainEvent(string id, string type, string time, string bizStep, string location, string goods) => $$"""
        {"type":"{{type}}","eventID":"{{id}}","eventTime":"{{time}}","eventTimeZoneOffset":"+00:00",{{(type == "TransformationEvent" ? "" : "\"action\":\"OBSERVE\",")}}
         "bizStep":"{{bizStep}}","bizLocation":{"id":"{{location}}"},{{goods}}}
        """;

    private async Task<JsonElement[]> FlagsAboutAsync(string subjectType, string subjectId) =>
        [.. (await _riskAsAdmin.GetFromJsonAsync<JsonElement>($"api/v1/flags?subjectType={subjectType}&subjectId={subjectId}")).GetProperty("items").EnumerateArray()];

    [Test]
    [Category("EndToEnd")]
    public async Task Should_flag_a_shipment_whose_lot_was_made_of_Xinjiang_cotton_when_the_cotton_s_event_arrives_last()
    {
        var exporter = await ProvenanceAdmin.OnboardAsync(_provenance, "chain-" + Guid.NewGuid().ToString("N")[..8]);
        await RegisterAsync(exporter, "6901234000115", "Aksu Cotton Ginning", "CN", "CN-XJ", "ginnery");
        await RegisterAsync(exporter, "6901234000122", "Shanghai Spinning", "CN", "Shanghai", "spinning");
        await RegisterAsync(exporter, "8934567000130", "Cat Lai Port", "VN", "Ho Chi Minh City", "port");
        var run = Guid.NewGuid().ToString("N")[..8];
        string cotton = $"urn:epc:class:lgtin:4012345.012345.C{run}", yarn = $"urn:epc:class:lgtin:4012345.012346.Y{run}";
        string ginned = $"urn:uuid:{Guid.NewGuid()}", spun = $"urn:uuid:{Guid.NewGuid()}", shipped = $"urn:uuid:{Guid.NewGuid()}";
        static string Quantity(string list, string lot) => $$"""
            "{{list}}":[{"epcClass":"{{lot}}","quantity":500,"uom":"KGM"}]
            """;

        // Downstream first: the lot of yarn spun in Shanghai from the cotton lot, and its shipment from the port.
        using (var captured = await CaptureAsync(exporter, Document(
            ChainEvent(spun, "TransformationEvent", "2026-10-05T08:00:00.000Z", "commissioning", ShanghaiMill, Quantity("inputQuantityList", cotton) + "," + Quantity("outputQuantityList", yarn)),
            ChainEvent(shipped, "ObjectEvent", "2026-10-08T08:00:00.000Z", "shipping", CatLai, Quantity("quantityList", yarn)))))
        {
            Assert.That(captured.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await captured.Content.ReadAsStringAsync());
        }
        using var recorded = await _provenance.Http.SendAsync(When_an_exporter_records_shipments.Post(exporter,
            $$"""{"hsCode":"5205.11","commodity":"Cotton yarn","originCountry":"VN","quantity":500,"unit":"kg","shipDate":"2026-10-08","epcs":["{{yarn}}"]}"""));
        Assert.That(recorded.StatusCode, Is.EqualTo(HttpStatusCode.Created), await recorded.Content.ReadAsStringAsync());
        var shipment = await recorded.Content.ReadFromJsonAsync<JsonElement>();
        var shipmentId = shipment.GetProperty("id").GetString()!;
        Assert.That(shipment.GetProperty("epcs").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { yarn }));
        await Probe.UntilAsync(async () => await _database.ScalarAsync<long>("SELECT count(*) FROM risk.shipment_evaluation WHERE shipment_id = @Id",
            new { Id = Guid.Parse(shipmentId) }) == 1, TimeSpan.FromSeconds(60), "Risk evaluates the shipment");
        Assert.That(await FlagsAboutAsync("shipment", shipmentId), Is.Empty, "where the cotton was is not known yet");

        // The cotton's own event, captured last: Risk follows it forward to the shipment and the shipping event, and traces them again.
        using (await CaptureAsync(exporter, Document(ChainEvent(ginned, "ObjectEvent", "2026-10-01T08:00:00.000Z", "commissioning", AksuGin, Quantity("quantityList", cotton))))) { }
        await Probe.UntilAsync(async () => (await FlagsAboutAsync("shipment", shipmentId)).Length > 0, TimeSpan.FromSeconds(60), "Risk flags the shipment");

        var flag = (await FlagsAboutAsync("shipment", shipmentId)).Single();
        Assert.That((flag.GetProperty("ruleId").GetString(), flag.GetProperty("severity").GetString(), flag.GetProperty("scopeCountry").GetString()),
            Is.EqualTo(("uflpa-region", "critical", "CN")));
        Assert.That(flag.GetProperty("explanation").GetString(), Does.Contain($"{cotton} was made at 'Aksu Cotton Ginning' (Xinjiang, region 'CN-XJ') on 2026-10-01")
            .And.Contain($"then transformed into {yarn} on 2026-10-05 (TransformationEvent {spun})"));
        Assert.That(flag.GetProperty("evidence").EnumerateArray().Select(e => e.GetString()),
            Is.SupersetOf(new[] { $"shipment:{shipmentId}", $"epcis:{ginned}", $"epcis:{spun}", "facility:6901234000115", "uflpa-region:xuar" }));

        await Probe.UntilAsync(async () => (await FlagsAboutAsync("facility", "8934567000130")).Length > 0, TimeSpan.FromSeconds(60), "Risk flags the shipping site");
        var site = (await FlagsAboutAsync("facility", "8934567000130")).Single();
        Assert.That((site.GetProperty("ruleId").GetString(), site.GetProperty("severity").GetString()), Is.EqualTo(("uflpa-region", "high")));
        Assert.That(site.GetProperty("explanation").GetString(), Does.StartWith("Goods shipped from 'Cat Lai Port' on 2026-10-08"));
    }
}
