using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;

namespace Traceability.IntegrationTests;

/// <summary>Facilities, products and full shipments; idempotency; the hash chain; the events reaching Risk.</summary>
[TestFixture]
[Category("Integration")]
public class When_an_exporter_describes_its_supply_chain : ExportersOnAPlatform
{

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, ExporterKey exporter, string? json = null, string? idempotencyKey = null)
    {
        var request = ProvenanceAdmin.Request(method, path, json, exporter.Key);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        return await _provenance.Http.SendAsync(request);
    }

    private async Task<JsonElement> CreatedAsync(string path, ExporterKey exporter, string json)
    {
        using var response = await SendAsync(HttpMethod.Post, path, exporter, json);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static string Facility(string gln, string country, string type = "farm", string name = "Kumasi Cocoa Farm") =>
        $$"""{"gln":"{{gln}}","name":"{{name}}","country":"{{country}}","region":"Ashanti","latitude":6.6885,"longitude":-1.6244,"type":"{{type}}"}""";

    private static async Task<IDictionary<string, string[]>> ErrorsAsync(HttpResponseMessage response)
    {
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), await response.Content.ReadAsStringAsync());
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        return errors.EnumerateObject().ToDictionary(e => e.Name, e => e.Value.EnumerateArray().Select(v => v.GetString()!).ToArray());
    }

    [Test]
    public async Task Should_register_update_and_list_facilities_of_its_own()
    {
        var facility = await CreatedAsync("api/v1/facilities", _acme, Facility("7594567000014", "GH"));
        var id = facility.GetProperty("id").GetString();
        Assert.That(facility.GetProperty("revision").GetInt32(), Is.EqualTo(1));
        Assert.That(facility.GetProperty("latitude").GetDecimal(), Is.EqualTo(6.6885m));

        using var updated = await SendAsync(HttpMethod.Put, $"api/v1/facilities/{id}", _acme, Facility("7594567000014", "GH", "cooperative", "Kumasi Cocoa Cooperative"));
        Assert.That(updated.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var body = await updated.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(body.GetProperty("revision").GetInt32(), Is.EqualTo(2));
        Assert.That(body.GetProperty("type").GetString(), Is.EqualTo("cooperative"));

        using var same = await SendAsync(HttpMethod.Put, $"api/v1/facilities/{id}", _acme, Facility("7594567000014", "GH", "cooperative", "Kumasi Cocoa Cooperative"));
        Assert.That((await same.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("revision").GetInt32(), Is.EqualTo(2), "the same PUT again changes nothing");

        using var byRival = await SendAsync(HttpMethod.Get, $"api/v1/facilities/{id}", _rival);
        using var rivalUpdate = await SendAsync(HttpMethod.Put, $"api/v1/facilities/{id}", _rival, Facility("7594567000014", "GH"));
        Assert.That(byRival.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(rivalUpdate.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));

        var page = await (await SendAsync(HttpMethod.Get, "api/v1/facilities?country=GH&pageSize=10", _acme)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(page.GetProperty("items").EnumerateArray().Select(f => f.GetProperty("id").GetString()), Does.Contain(id));
        var rivalPage = await (await SendAsync(HttpMethod.Get, "api/v1/facilities", _rival)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(rivalPage.GetProperty("items").EnumerateArray().Select(f => f.GetProperty("id").GetString()), Does.Not.Contain(id));

        await Probe.UntilAsync(async () => await _database.ScalarAsync<int?>("SELECT revision FROM risk.facility WHERE id = @Id", new { Id = Guid.Parse(id!) }) == 2,
            TimeSpan.FromSeconds(30), "Risk keeps the facility's latest revision");
    }

    [Test]
    public async Task Should_answer_conflict_to_updates_that_race_and_keep_the_chain_whole()
    {
        var exporter = await ProvenanceAdmin.OnboardAsync(_provenance, "racing");
        var facility = await CreatedAsync("api/v1/facilities", exporter, Facility("7501031311309", "MX"));
        var id = facility.GetProperty("id").GetString();
        var updates = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            SendAsync(HttpMethod.Put, $"api/v1/facilities/{id}", exporter, Facility("7501031311309", "MX", "farm", $"Finca {i}"))));
        var statuses = updates.Select(u => u.StatusCode).ToList();
        foreach (var update in updates)
        {
            update.Dispose();
        }
        Assert.That(statuses, Has.All.AnyOf(HttpStatusCode.OK, HttpStatusCode.Conflict), string.Join(", ", statuses));
        var revision = (await (await SendAsync(HttpMethod.Get, $"api/v1/facilities/{id}", exporter)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("revision").GetInt32();
        Assert.That(revision, Is.EqualTo(1 + statuses.Count(s => s == HttpStatusCode.OK)), "one revision per accepted update");
        var verified = await (await SendAsync(HttpMethod.Get, "api/v1/chain/verify", exporter)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(verified.GetProperty("ok").GetBoolean(), Is.True, verified.GetRawText());
    }

    [Test]
    public async Task Should_refuse_facilities_with_bad_identifiers_and_duplicates()
    {
        using var badGln = await SendAsync(HttpMethod.Post, "api/v1/facilities", _acme, Facility("7594567000010", "GH"));
        Assert.That((await ErrorsAsync(badGln)).Keys, Is.EquivalentTo(new[] { "gln" }));

        using var noId = await SendAsync(HttpMethod.Post, "api/v1/facilities", _acme, """{"name":"Nowhere","country":"GH","type":"farm"}""");
        Assert.That((await ErrorsAsync(noId))["gln"], Has.Some.Contains("GLN or an Open Supply Hub id"));

        using var bad = await SendAsync(HttpMethod.Post, "api/v1/facilities", _acme,
            """{"oshId":"cn2019","name":"","country":"XX","latitude":91,"type":"spaceport"}""");
        Assert.That((await ErrorsAsync(bad)).Keys, Is.SupersetOf(new[] { "oshId", "name", "country", "latitude", "type" }));

        await CreatedAsync("api/v1/facilities", _acme, """{"oshId":"CN2019303BQ3FZP","name":"Shenzhen Works","country":"CN","type":"factory"}""");
        using var duplicate = await SendAsync(HttpMethod.Post, "api/v1/facilities", _acme, """{"oshId":"CN2019303BQ3FZP","name":"Again","country":"CN","type":"factory"}""");
        Assert.That(duplicate.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        // Another exporter may know the same facility.
        await CreatedAsync("api/v1/facilities", _rival, """{"oshId":"CN2019303BQ3FZP","name":"Shenzhen Works","country":"CN","type":"factory"}""");
    }

    [Test]
    public async Task Should_register_products_by_GTIN()
    {
        var product = await CreatedAsync("api/v1/products", _acme, """{"gtin":"4006381333931","hsCode":"1806.32","commodity":"Cocoa","name":"Dark chocolate 70%"}""");
        Assert.That(product.GetProperty("gtin").GetString(), Is.EqualTo("04006381333931"));
        Assert.That(product.GetProperty("hsCode").GetString(), Is.EqualTo("180632"));

        using var duplicate = await SendAsync(HttpMethod.Post, "api/v1/products", _acme, """{"gtin":"04006381333931","hsCode":"180632","commodity":"Cocoa"}""");
        Assert.That(duplicate.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        using var bad = await SendAsync(HttpMethod.Post, "api/v1/products", _acme, """{"gtin":"4006381333930","hsCode":"18","commodity":""}""");
        Assert.That((await ErrorsAsync(bad)).Keys, Is.EquivalentTo(new[] { "gtin", "hsCode", "commodity" }));
        using var byRival = await SendAsync(HttpMethod.Get, $"api/v1/products/{product.GetProperty("id").GetString()}", _rival);
        Assert.That(byRival.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));

        var id = product.GetProperty("id").GetGuid();
        await Probe.UntilAsync(async () => await _database.ScalarAsync<long>("SELECT count(*) FROM risk.product WHERE id = @Id", new { Id = id }) == 1,
            TimeSpan.FromSeconds(30), "Risk keeps the product");
    }

    [Test]
    public async Task Should_record_a_shipment_with_its_tiers_and_let_Risk_flag_an_upstream_country()
    {
        var farm = await CreatedAsync("api/v1/facilities", _acme, Facility("8431472300015", "CI"));
        var grinder = await CreatedAsync("api/v1/facilities", _acme, """{"gln":"9520123456788","name":"Amsterdam Grinding","country":"NL","type":"processing"}""");
        var product = await CreatedAsync("api/v1/products", _acme, """{"gtin":"6291041500213","hsCode":"1803.10","commodity":"Cocoa"}""");
        var sha = new string('a', 64);
        var shipment = await CreatedAsync("api/v1/shipments", _acme, $$"""
            {"productId":"{{product.GetProperty("id")}}","originFacilityId":"{{grinder.GetProperty("id")}}","quantity":20,"unit":"t","shipDate":"2026-11-02",
             "tiers":[{"facilityId":"{{farm.GetProperty("id")}}","role":"grower","from":"2026-03-01","to":"2026-08-31"},
                      {"facilityId":"{{grinder.GetProperty("id")}}","role":"processor"}],
             "certificates":[{"scheme":"Fairtrade","number":"FLO-12345"}],
             "buyer":"Chocolaterie SA","destinationCountry":"BE","documents":[{"name":"bill-of-lading.pdf","sha256":"{{sha}}"}]}
            """);
        Assert.That(shipment.GetProperty("originCountry").GetString(), Is.EqualTo("NL"), "from the origin facility");
        Assert.That(shipment.GetProperty("hsCode").GetString(), Is.EqualTo("180310"), "from the product");
        Assert.That(shipment.GetProperty("tiers")[0].GetProperty("country").GetString(), Is.EqualTo("CI"));

        var id = shipment.GetProperty("id").GetString()!;
        using var read = await SendAsync(HttpMethod.Get, $"api/v1/shipments/{id}", _acme);
        Assert.That(await read.Content.ReadAsStringAsync(), Is.EqualTo(shipment.GetRawText()), "read back exactly as recorded");

        await Probe.UntilAsync(async () =>
        {
            var flags = await _riskAsAdmin.GetFromJsonAsync<JsonElement>($"api/v1/flags?subjectType=shipment&subjectId={id}&ruleId=dol-goods-list");
            return flags.GetProperty("items").GetArrayLength() == 1;
        }, TimeSpan.FromSeconds(30), "Risk flags cocoa grown in Côte d'Ivoire though shipped from the Netherlands");
    }

    [Test]
    public async Task Should_refuse_references_to_facilities_and_products_that_are_not_its_own()
    {
        var rivalFarm = await CreatedAsync("api/v1/facilities", _rival, Facility("1234567890128", "GH"));
        var rivalProduct = await CreatedAsync("api/v1/products", _rival, """{"gtin":"7501031311309","hsCode":"180100","commodity":"Cocoa"}""");
        var shipmentsBefore = await _database.ScalarAsync<long>("SELECT count(*) FROM provenance.shipment");
        using var response = await SendAsync(HttpMethod.Post, "api/v1/shipments", _acme, $$"""
            {"productId":"{{rivalProduct.GetProperty("id")}}","originCountry":"GH","quantity":1,"unit":"t","shipDate":"2026-11-02",
             "tiers":[{"facilityId":"{{rivalFarm.GetProperty("id")}}","role":"grower"},{"role":"captain"}]}
            """);
        var errors = await ErrorsAsync(response);
        Assert.That(errors.Keys, Is.SupersetOf(new[] { "tiers[1].facilityId", "tiers[1].role" }));

        using var references = await SendAsync(HttpMethod.Post, "api/v1/shipments", _acme, $$"""
            {"productId":"{{rivalProduct.GetProperty("id")}}","originCountry":"GH","quantity":1,"unit":"t","shipDate":"2026-11-02",
             "tiers":[{"facilityId":"{{rivalFarm.GetProperty("id")}}","role":"grower"}]}
            """);
        Assert.That((await ErrorsAsync(references)).Keys, Is.EquivalentTo(new[] { "productId", "tiers[0].facilityId" }));
        Assert.That(await _database.ScalarAsync<long>("SELECT count(*) FROM provenance.shipment"), Is.EqualTo(shipmentsBefore));
    }

    [Test]
    public async Task Should_answer_a_repeated_Idempotency_Key_with_the_first_answer_and_store_once()
    {
        var key = Guid.NewGuid().ToString();
        var body = When_an_exporter_records_shipments.Shipment("Coffee", "ET");
        using var first = await SendAsync(HttpMethod.Post, "api/v1/shipments", _acme, body, key);
        using var second = await SendAsync(HttpMethod.Post, "api/v1/shipments", _acme, body, key);
        var firstBody = await first.Content.ReadAsStringAsync();
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(await second.Content.ReadAsStringAsync(), Is.EqualTo(firstBody));
        Assert.That(second.Headers.Location, Is.EqualTo(first.Headers.Location));
        Assert.That(second.Headers.GetValues("Idempotent-Replayed").Single(), Is.EqualTo("true"));
        var id = JsonDocument.Parse(firstBody).RootElement.GetProperty("id").GetGuid();
        Assert.That(await _database.ScalarAsync<long>("SELECT count(*) FROM provenance.shipment WHERE exporter_id = 'acme' AND commodity = 'Coffee' AND origin_country = 'ET'"), Is.EqualTo(1));
        Assert.That(await _database.ScalarAsync<long>("SELECT count(*) FROM provenance.outbox_message WHERE body LIKE @Id", new { Id = $"%{id}%" }), Is.EqualTo(1), "one event");

        using var changed = await SendAsync(HttpMethod.Post, "api/v1/shipments", _acme, When_an_exporter_records_shipments.Shipment("Coffee", "KE"), key);
        Assert.That(changed.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(changed.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));

        // Keys belong to an exporter: the same key from another exporter is a different request.
        using var rival = await SendAsync(HttpMethod.Post, "api/v1/shipments", _rival, body, key);
        Assert.That(rival.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(await rival.Content.ReadAsStringAsync(), Is.Not.EqualTo(firstBody));
    }

    [Test]
    public async Task Should_forget_an_Idempotency_Key_after_its_retention()
    {
        var key = Guid.NewGuid().ToString();
        using (await SendAsync(HttpMethod.Post, "api/v1/shipments", _acme, When_an_exporter_records_shipments.Shipment("Tea", "MW"), key)) { }
        await using (var connection = _database.Open())
        {
            await connection.ExecuteAsync("UPDATE provenance.idempotency_key SET created_at = created_at - interval '25 hours' WHERE idempotency_key = @Key", new { Key = key });
        }
        var database = new Traceability.Data.Database(
            Microsoft.Extensions.Options.Options.Create(new Traceability.Data.DatabaseOptions { Provider = "postgres", ConnectionString = _database.ConnectionString, Schema = "provenance" }),
            new Traceability.Data.Messaging.OutboxSignal());
        var retention = new Traceability.Hosting.Idempotency.IdempotencyKeyRetention(database,
            Microsoft.Extensions.Options.Options.Create(new Traceability.Hosting.Idempotency.IdempotencyOptions()), TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Traceability.Hosting.Idempotency.IdempotencyKeyRetention>.Instance);

        Assert.That(await retention.DeleteExpiredAsync(CancellationToken.None), Is.GreaterThanOrEqualTo(1));
        using var reused = await SendAsync(HttpMethod.Post, "api/v1/shipments", _acme, When_an_exporter_records_shipments.Shipment("Tea", "TZ"), key);
        Assert.That(reused.StatusCode, Is.EqualTo(HttpStatusCode.Created), "an expired key is a new key");
    }

    [Test]
    public async Task Should_store_once_when_the_same_Idempotency_Key_races()
    {
        var key = Guid.NewGuid().ToString();
        var body = When_an_exporter_records_shipments.Shipment("Vanilla", "MG");
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => SendAsync(HttpMethod.Post, "api/v1/shipments", _acme, body, key)));
        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        foreach (var response in responses)
        {
            response.Dispose();
        }
        Assert.That(responses.Select(r => r.StatusCode), Has.All.EqualTo(HttpStatusCode.Created));
        Assert.That(bodies.Distinct().Count(), Is.EqualTo(1));
        Assert.That(await _database.ScalarAsync<long>("SELECT count(*) FROM provenance.shipment WHERE commodity = 'Vanilla'"), Is.EqualTo(1));
    }

    [Test]
    public async Task Should_prove_its_chain_and_find_a_record_altered_behind_the_API()
    {
        var chained = await ProvenanceAdmin.OnboardAsync(_provenance, "chained");
        var facility = await CreatedAsync("api/v1/facilities", chained, Facility("7300011000017", "SE", "warehouse", "Göteborg Store"));
        using (await SendAsync(HttpMethod.Put, $"api/v1/facilities/{facility.GetProperty("id")}", chained, Facility("7300011000017", "SE", "port", "Göteborg Port"))) { }
        await CreatedAsync("api/v1/products", chained, """{"gtin":"8904000210037","hsCode":"090111","commodity":"Coffee"}""");
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await CreatedAsync("api/v1/shipments", chained, When_an_exporter_records_shipments.Shipment("Coffee", "UG"))).GetProperty("id").GetGuid());
        }

        var verified = await (await SendAsync(HttpMethod.Get, "api/v1/chain/verify", chained)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(verified.GetProperty("ok").GetBoolean(), Is.True, verified.GetRawText());
        Assert.That(verified.GetProperty("links").GetInt64(), Is.EqualTo(6), "facility twice, product, three shipments");

        await using (var connection = _database.Open())
        {
            await connection.ExecuteAsync("UPDATE provenance.shipment SET quantity = quantity * 2 WHERE id = @Id", new { Id = ids[1] });
        }
        var broken = await (await SendAsync(HttpMethod.Get, "api/v1/chain/verify", chained)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(broken.GetProperty("ok").GetBoolean(), Is.False);
        var link = broken.GetProperty("firstBroken");
        Assert.That(link.GetProperty("recordId").GetString(), Is.EqualTo(ids[1].ToString()));
        Assert.That(link.GetProperty("sequence").GetInt64(), Is.EqualTo(5));
        Assert.That(link.GetProperty("reason").GetString(), Does.Contain("changed"));
        Assert.That(broken.GetProperty("links").GetInt64(), Is.EqualTo(4), "the links before it hold");

        // Another exporter's chain is its own and still holds.
        var other = await (await SendAsync(HttpMethod.Get, "api/v1/chain/verify", _rival)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(other.GetProperty("ok").GetBoolean(), Is.True, other.GetRawText());
    }

    [Test]
    public async Task Should_verify_a_chain_of_several_pages_and_find_what_broke_on_a_later_one()
    {
        var paged = await ProvenanceAdmin.OnboardAsync(_provenance, "paged");
        // Verification reads a page of links at a time; 1,100 events, then a facility, a product and a shipment,
        // put every record type on a later page than the first.
        foreach (var (first, count) in new[] { (0, 1000), (1000, 100) })
        {
            using var captured = await SendAsync(HttpMethod.Post, "epcis/capture", paged, EpcisDocument(first, count));
            Assert.That(captured.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await captured.Content.ReadAsStringAsync());
        }
        await CreatedAsync("api/v1/facilities", paged, Facility("7300011000017", "SE"));
        await CreatedAsync("api/v1/products", paged, """{"gtin":"8904000210037","hsCode":"090111","commodity":"Coffee"}""");
        await CreatedAsync("api/v1/shipments", paged, When_an_exporter_records_shipments.Shipment("Coffee", "UG"));
        var verified = await (await SendAsync(HttpMethod.Get, "api/v1/chain/verify", paged)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(verified.GetProperty("ok").GetBoolean(), Is.True, verified.GetRawText());
        Assert.That(verified.GetProperty("links").GetInt64(), Is.EqualTo(1103));

        await using (var connection = _database.Open())
        {
            await connection.ExecuteAsync("""
                DELETE FROM provenance.epcis_event WHERE exporter_id = 'paged'
                AND event_id = (SELECT record_id FROM provenance.chain_link WHERE exporter_id = 'paged' AND sequence = 1080)
                """);
        }
        var gone = await (await SendAsync(HttpMethod.Get, "api/v1/chain/verify", paged)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.That((gone.GetProperty("firstBroken").GetProperty("sequence").GetInt64(), gone.GetProperty("firstBroken").GetProperty("reason").GetString()),
            Is.EqualTo((1080L, "the record is gone")));
        Assert.That(gone.GetProperty("links").GetInt64(), Is.EqualTo(1079), "the links before it hold");

        await using (var connection = _database.Open())
        {
            await connection.ExecuteAsync("""
                UPDATE provenance.epcis_event SET document = replace(document, 'OBSERVE', 'DELETE') WHERE exporter_id = 'paged'
                AND event_id = (SELECT record_id FROM provenance.chain_link WHERE exporter_id = 'paged' AND sequence = 1050)
                """);
        }
        var changed = await (await SendAsync(HttpMethod.Get, "api/v1/chain/verify", paged)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(changed.GetProperty("firstBroken").GetProperty("sequence").GetInt64(), Is.EqualTo(1050));
        Assert.That(changed.GetProperty("firstBroken").GetProperty("reason").GetString(), Does.Contain("changed"));
    }

    private static string EpcisDocument(int first, int count)
    {
        var events = Enumerable.Range(first, count).Select(i => $$$"""
            {"type":"ObjectEvent","eventTime":"2026-11-02T09:00:00.000Z","eventTimeZoneOffset":"+00:00","action":"OBSERVE",
             "bizStep":"inspecting","epcList":["urn:epc:id:sgtin:0614141.107346.p{{{i}}}"],"readPoint":{"id":"urn:epc:id:sgln:0614141.00777.0"}}
            """);
        return $$$"""
            {"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0",
             "creationDate":"2026-11-02T10:00:00Z","epcisBody":{"eventList":[{{{string.Join(",", events)}}}]}}
            """;
    }

    [Test]
    public async Task Should_find_a_rewritten_chain_link()
    {
        var chained = await ProvenanceAdmin.OnboardAsync(_provenance, "relinked");
        for (var i = 0; i < 2; i++)
        {
            await CreatedAsync("api/v1/shipments", chained, When_an_exporter_records_shipments.Shipment("Tea", "KE"));
        }
        await using (var connection = _database.Open())
        {
            await connection.ExecuteAsync("UPDATE provenance.chain_link SET record_hash = @Hash WHERE exporter_id = 'relinked' AND sequence = 1", new { Hash = new string('0', 64) });
        }
        var broken = await (await SendAsync(HttpMethod.Get, "api/v1/chain/verify", chained)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(broken.GetProperty("ok").GetBoolean(), Is.False);
        Assert.That(broken.GetProperty("firstBroken").GetProperty("sequence").GetInt64(), Is.EqualTo(1));
    }
}
