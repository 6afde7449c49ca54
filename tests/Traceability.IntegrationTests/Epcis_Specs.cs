using MassTransit;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Traceability.IntegrationTests;

/// <summary>The GS1 EPCIS 2.0 capture and query interfaces over HTTP, with the reference documents.</summary>
[TestFixture]
[Category("Integration")]
public partial class When_an_exporter_speaks_EPCIS : ExportersOnAPlatform
{
    private static readonly string ReferenceFolder = Path.GetFullPath(Path.Combine(Infrastructure.RepositoryRoot, "..", "shared", "reference", "epcis"));


    private static void RequireReference()
    {
        if (!Directory.Exists(ReferenceFolder))
        {
            Assert.Ignore($"{ReferenceFolder} is not beside this checkout: the EPCIS reference documents were not run.");
        }
    }

    private Task<HttpResponseMessage> CaptureAsync(ExporterKey exporter, string body, string mediaType = "application/ld+json", string? behaviour = null, string path = "epcis/capture")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", exporter.Key);
        // A server refusing a large body before reading it answers at once instead of resetting an upload.
        request.Headers.ExpectContinue = body.Length > 1024 * 1024;
        if (behaviour is not null)
        {
            request.Headers.Add("GS1-Capture-Error-Behaviour", behaviour);
        }
        return _provenance.Http.SendAsync(request);
    }

    private async Task<JsonElement> QueryAsync(ExporterKey exporter, string query)
    {
        using var response = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Get, "epcis/events" + query, null, exporter.Key));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static JsonElement Events(JsonElement queryDocument) =>
        queryDocument.GetProperty("epcisBody").GetProperty("queryResults").GetProperty("resultsBody").GetProperty("eventList");

    private Task<long> StoredEventsAsync() => _database.ScalarAsync<long>("SELECT count(*) FROM provenance.epcis_event");

    private static string Document(params string[] events) =>
        """
        {"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"acme":"https://acme.example/epcis/"}],
         "type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-11-02T10:00:00Z",
         "epcisBody":{"eventList":[
        """ + string.Join(",", events) + "]}}";

    private static string Shipping(string serial, string time = "2026-11-02T09:00:00.000Z", string bizStep = "shipping") => $$"""
        {"type":"ObjectEvent","eventTime":"{{time}}","eventTimeZoneOffset":"+00:00","action":"OBSERVE","bizStep":"{{bizStep}}",
         "disposition":"in_transit","epcList":["urn:epc:id:sgtin:0614141.107346.{{serial}}"],
         "readPoint":{"id":"urn:epc:id:sgln:0614141.00777.0"},"bizLocation":{"id":"urn:epc:id:sgln:0614141.00888.0"},
         "acme:lot":"L-{{serial}}"}
        """;

    [Test]
    public async Task Should_advertise_its_capture_limits()
    {
        using var response = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Options, "epcis/capture", null, _acme.Key));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(response.Headers.GetValues("GS1-EPCIS-Capture-Limit").Single(), Is.EqualTo("1000"));
        Assert.That(long.Parse(response.Headers.GetValues("GS1-EPCIS-Capture-File-Size-Limit").Single(), System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(0));
        Assert.That(response.Headers.GetValues("GS1-EPCIS-Version").Single(), Is.EqualTo("2.0.0"));
    }

    [Test]
    public async Task Should_accept_every_GS1_example_document()
    {
        RequireReference();
        var files = Directory.GetFiles(ReferenceFolder, "*.jsonld").Order(StringComparer.Ordinal).ToList();
        var exporter = await ProvenanceAdmin.OnboardAsync(_provenance, "conformance");
        var accepted = 0;
        var events = 0;
        foreach (var file in files)
        {
            var text = await File.ReadAllTextAsync(file);
            var root = JsonNode.Parse(text)!.AsObject();
            if (root["type"]!.GetValue<string>() == "EPCISQueryDocument")
            {
                // A query document is what the query interface answers, not something to capture:
                // its events are captured instead, in an EPCISDocument of the same context.
                var list = root["epcisBody"]!["queryResults"]!["resultsBody"]!["eventList"]!.DeepClone();
                root = new JsonObject
                {
                    ["@context"] = root["@context"]!.DeepClone(), ["type"] = "EPCISDocument", ["schemaVersion"] = "2.0",
                    ["creationDate"] = "2026-11-02T10:00:00Z", ["epcisBody"] = new JsonObject { ["eventList"] = list },
                };
                text = root.ToJsonString();
            }
            using var response = await CaptureAsync(exporter, text);
            var body = await response.Content.ReadAsStringAsync();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), $"{Path.GetFileName(file)}: {body}");
            var job = JsonDocument.Parse(body).RootElement;
            Assert.That(job.GetProperty("success").GetBoolean(), Is.True, Path.GetFileName(file));
            Assert.That(response.Headers.Location!.ToString(), Does.StartWith("/epcis/capture/"));
            accepted++;
            events += job.GetProperty("eventCount").GetInt32();
        }
        Figures.Report($"EPCIS conformance: {accepted} of {files.Count} GS1 example documents accepted ({events} events)");
        Assert.That(accepted, Is.EqualTo(20));
        var stored = await _database.ScalarAsync<long>("SELECT count(*) FROM provenance.epcis_event WHERE exporter_id = 'conformance'");
        Assert.That(stored, Is.GreaterThan(0).And.LessThanOrEqualTo(events), "each event once (some examples repeat an eventID)");
    }

    [Test]
    public async Task Should_refuse_every_invalid_document_and_store_nothing()
    {
        RequireReference();
        var files = Directory.GetFiles(Path.Combine(ReferenceFolder, "invalid"), "*.json").Order(StringComparer.Ordinal).ToList();
        var before = await StoredEventsAsync();
        var refused = 0;
        foreach (var file in files)
        {
            using var response = await CaptureAsync(_acme, await File.ReadAllTextAsync(file));
            var body = await response.Content.ReadAsStringAsync();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), $"{Path.GetFileName(file)}: {body}");
            Assert.That(JsonDocument.Parse(body).RootElement.GetProperty("errors").EnumerateObject().Count(), Is.GreaterThan(0));
            refused++;
        }
        Figures.Report($"EPCIS conformance: {refused} of {files.Count} invalid documents refused with nothing stored");
        Assert.That(refused, Is.EqualTo(15));
        Assert.That(await StoredEventsAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task Should_name_the_event_index_and_field_that_is_wrong()
    {
        using var response = await CaptureAsync(_acme, Document(Shipping("1"), Shipping("2", bizStep: "transforming")));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.That(errors.EnumerateObject().Select(e => e.Name), Does.Contain("epcisBody.eventList[1].bizStep"));
        Assert.That(await _database.ScalarAsync<long>("SELECT count(*) FROM provenance.epcis_event_epc WHERE epc LIKE '%107346.1'"), Is.Zero, "rollback: the valid event is not stored either");
    }

    [Test]
    public async Task Should_store_the_valid_events_when_asked_to_proceed()
    {
        using var response = await CaptureAsync(_acme, Document(Shipping("p1"), Shipping("p2", bizStep: "transforming")), behaviour: "proceed");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var job = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(job.GetProperty("storedCount").GetInt32(), Is.EqualTo(1));
        Assert.That(job.GetProperty("success").GetBoolean(), Is.False);
        Assert.That(job.GetProperty("errors")[0].GetProperty("eventIndex").GetInt32(), Is.EqualTo(1));

        using var jobResponse = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Get, response.Headers.Location!.ToString().TrimStart('/'), null, _acme.Key));
        Assert.That((await jobResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("storedCount").GetInt32(), Is.EqualTo(1));
        using var rivalJob = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Get, response.Headers.Location!.ToString().TrimStart('/'), null, _rival.Key));
        Assert.That(rivalJob.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Should_store_an_event_once_and_give_one_without_an_id_its_canonical_hash()
    {
        var first = await CaptureAsync(_acme, Document(Shipping("d1"), Shipping("d2")));
        var second = await CaptureAsync(_acme, Document(Shipping("d1"), Shipping("d2")));
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var job = await second.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That((job.GetProperty("storedCount").GetInt32(), job.GetProperty("duplicateCount").GetInt32()), Is.EqualTo((0, 2)));
        var ids = await _database.ScalarAsync<string>("SELECT min(event_id) FROM provenance.epcis_event WHERE document LIKE '%107346.d1%'");
        Assert.That(ids, Does.StartWith("ni:///sha-256;").And.EndWith("?ver=CBV2.0"));

        // Another exporter's copy of the same event is its own.
        using var rival = await CaptureAsync(_rival, Document(Shipping("d1")));
        Assert.That((await rival.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("storedCount").GetInt32(), Is.EqualTo(1));
    }

    [Test]
    public async Task Should_give_an_event_without_an_id_the_GS1_event_hash_any_conforming_repository_gives_it()
    {
        var vectors = Path.GetFullPath(Path.Combine(Infrastructure.RepositoryRoot, "..", "shared", "reference", "epcis-hash"));
        if (!Directory.Exists(vectors))
        {
            Assert.Ignore($"{vectors} is not beside this checkout: the GS1 event hash vector was not captured.");
        }
        var document = await File.ReadAllTextAsync(Path.Combine(vectors, "epcisDocWithSingleEvent.jsonld"));
        var expected = (await File.ReadAllLinesAsync(Path.Combine(vectors, "epcisDocWithSingleEvent.hashes")))[0];

        using var captured = await CaptureAsync(_acme, document);
        Assert.That(captured.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await captured.Content.ReadAsStringAsync());
        using var read = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Get, $"epcis/events/{Uri.EscapeDataString(expected)}", null, _acme.Key));
        Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the document's event is found by the vector's hash id");
        Assert.That((await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("eventID").GetString(), Is.EqualTo(expected));

        // The same event posted on its own, with the document's @context, gets the same id.
        var root = JsonNode.Parse(document)!;
        var single = root["epcisBody"]!["eventList"]![0]!.DeepClone().AsObject();
        single.Insert(0, "@context", root["@context"]!.DeepClone());
        using var one = await CaptureAsync(_rival, single.ToJsonString(), path: "epcis/events");
        Assert.That(one.StatusCode, Is.EqualTo(HttpStatusCode.Created), await one.Content.ReadAsStringAsync());
        Assert.That((await one.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("eventID").GetString(), Is.EqualTo(expected));
    }

    [Test]
    public async Task Should_answer_a_retried_capture_with_the_same_job_when_it_carries_an_Idempotency_Key()
    {
        var key = Guid.NewGuid().ToString();
        async Task<HttpResponseMessage> Send(string body)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "epcis/capture") { Content = new StringContent(body, Encoding.UTF8) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/ld+json");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _acme.Key);
            request.Headers.Add("Idempotency-Key", key);
            return await _provenance.Http.SendAsync(request);
        }
        using var first = await Send(Document(Shipping("i1"), Shipping("i2")));
        using var retry = await Send(Document(Shipping("i1"), Shipping("i2")));
        Assert.That((first.StatusCode, retry.StatusCode), Is.EqualTo((HttpStatusCode.Accepted, HttpStatusCode.Accepted)));
        Assert.That(await retry.Content.ReadAsStringAsync(), Is.EqualTo(await first.Content.ReadAsStringAsync()), "the same capture job, not a second one");
        Assert.That(retry.Headers.Location, Is.EqualTo(first.Headers.Location));
        Assert.That(await _database.ScalarAsync<long>("SELECT count(*) FROM provenance.epcis_capture WHERE exporter_id = 'acme' AND id = @Id",
            new { Id = Guid.Parse(first.Headers.Location!.ToString().Split('/')[^1]) }), Is.EqualTo(1));
        using var other = await Send(Document(Shipping("i3")));
        Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
    }

    [Test]
    public async Task Should_capture_a_single_event_and_read_it_back_by_its_id()
    {
        var item = JsonNode.Parse(Shipping("s1"))!.AsObject();
        item["@context"] = JsonNode.Parse("""["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"acme":"https://acme.example/epcis/"}]""");
        item["eventID"] = "urn:uuid:2b8a6d1e-7b43-4c3b-9a2e-1d2f0c0a5e11";
        using var created = await CaptureAsync(_acme, item.ToJsonString(), path: "epcis/events");
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
        var location = created.Headers.Location!.ToString();
        Assert.That(location, Is.EqualTo("/epcis/events/urn%3Auuid%3A2b8a6d1e-7b43-4c3b-9a2e-1d2f0c0a5e11"));

        using var read = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Get, location.TrimStart('/'), null, _acme.Key));
        Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("acme:lot").GetString(), Is.EqualTo("L-s1"));
        using var byRival = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Get, location.TrimStart('/'), null, _rival.Key));
        Assert.That(byRival.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));

        using var again = await CaptureAsync(_acme, item.ToJsonString(), path: "epcis/events");
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK), "already captured: answered, not stored again");
    }

    [Test]
    public async Task Should_refuse_wrong_media_types_and_oversized_documents()
    {
        using var text = await CaptureAsync(_acme, Document(Shipping("m1")), "text/plain");
        Assert.That(text.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));

        var tooMany = Document(Enumerable.Range(0, 1001).Select(i => Shipping($"n{i}")).ToArray());
        using var many = await CaptureAsync(_acme, tooMany);
        Assert.That(many.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));

        var huge = Document(Shipping("big").Replace("\"L-big\"", $"\"{new string('x', 17 * 1024 * 1024)}\"", StringComparison.Ordinal));
        using var big = await CaptureAsync(_acme, huge);
        Assert.That(big.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));

        using var broken = await CaptureAsync(_acme, "{\"type\":\"EPCISDocument\",");
        Assert.That(broken.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task Should_answer_queries_with_filters_and_pages()
    {
        var exporter = await ProvenanceAdmin.OnboardAsync(_provenance, "querying");
        using (await CaptureAsync(exporter, Document(
            Shipping("q1", "2026-10-01T08:00:00Z"), Shipping("q2", "2026-10-02T08:00:00Z"), Shipping("q3", "2026-10-03T08:00:00Z"),
            Shipping("q4", "2026-10-04T08:00:00Z", "receiving"), Shipping("r5", "2026-10-05T08:00:00Z", "receiving")))) { }

        Assert.That(Events(await QueryAsync(exporter, "")).GetArrayLength(), Is.EqualTo(5));
        Assert.That(Events(await QueryAsync(exporter, "?EQ_bizStep=receiving")).GetArrayLength(), Is.EqualTo(2));
        Assert.That(Events(await QueryAsync(exporter, "?EQ_bizStep=urn:epcglobal:cbv:bizstep:shipping")).GetArrayLength(), Is.EqualTo(3));
        Assert.That(Events(await QueryAsync(exporter, "?GE_eventTime=2026-10-02T00:00:00Z&LT_eventTime=2026-10-04T00:00:00Z")).GetArrayLength(), Is.EqualTo(2));
        Assert.That(Events(await QueryAsync(exporter, "?MATCH_epc=urn:epc:id:sgtin:0614141.107346.q2")).GetArrayLength(), Is.EqualTo(1));
        Assert.That(Events(await QueryAsync(exporter, "?MATCH_epc=urn:epc:id:sgtin:0614141.107346.q*")).GetArrayLength(), Is.EqualTo(4));
        Assert.That(Events(await QueryAsync(exporter, "?EQ_bizLocation=urn:epc:id:sgln:0614141.00888.0&eventType=ObjectEvent")).GetArrayLength(), Is.EqualTo(5));
        Assert.That(Events(await QueryAsync(exporter, "?EQ_readPoint=urn:epc:id:sgln:0614141.00999.0")).GetArrayLength(), Is.Zero);
        Assert.That(Events(await QueryAsync(_rival, "?MATCH_epc=urn:epc:id:sgtin:0614141.107346.q*")).GetArrayLength(), Is.Zero, "another exporter sees none");

        var seen = new List<string>();
        var path = "epcis/events?perPage=2";
        for (var pages = 0; path is not null && pages < 10; pages++)
        {
            using var response = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Get, path, null, exporter.Key));
            seen.AddRange(Events(await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Select(e => e.GetProperty("eventTime").GetString()!));
            path = response.Headers.TryGetValues("Link", out var links) ? links.Single().Split('<', '>')[1].TrimStart('/') : null;
        }
        Assert.That(seen, Has.Count.EqualTo(5).And.Ordered);

        using var bad = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Get, "epcis/events?GE_eventTime=yesterday&perPage=0&eventType=Party", null, exporter.Key));
        Assert.That(bad.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.That(errors.EnumerateObject().Select(e => e.Name), Is.EquivalentTo(new[] { "GE_eventTime", "perPage", "eventType" }));
    }

    [Test]
    public async Task Should_still_keep_links_from_the_one_message_per_event_published_before_documents_went_as_one()
    {
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit => rabbit.Host(Infrastructure.RabbitHost, (ushort)Infrastructure.RabbitPort, _virtualHost.Name, host =>
        {
            host.Username(Infrastructure.RabbitUser);
            host.Password(Infrastructure.RabbitPassword);
        }));
        await bus.StartAsync();
        try
        {
            await bus.Publish(new Traceability.Contracts.Provenance.EpcisEventCaptured
            {
                EventId = Guid.NewGuid(),
                TenantId = "older",
                OccurredAt = DateTime.UtcNow,
                EpcisEventId = "urn:uuid:0b6a8d4e-6f7e-4c39-9d5c-2f1f3c0a9e11",
                EventType = "ObjectEvent",
                EventTime = new DateTime(2026, 11, 2, 9, 0, 0, DateTimeKind.Utc),
                LinkKind = "shipping",
                Epcs = ["urn:epc:id:sgtin:0614141.107346.2017"],
            });
        }
        finally
        {
            await bus.StopAsync();
        }
        await Probe.UntilAsync(async () => await _database.ScalarAsync<long>("SELECT count(*) FROM risk.provenance_link WHERE tenant_id = 'older' AND link_kind = 'shipping'") == 1,
            TimeSpan.FromSeconds(30), "Risk keeps the link an EpcisEventCaptured describes");
    }

    [Test]
    public async Task Should_tell_Risk_of_shipping_and_receiving_and_chain_the_events()
    {
        var exporter = await ProvenanceAdmin.OnboardAsync(_provenance, "linking");
        using (await CaptureAsync(exporter, Document(Shipping("l1"), Shipping("l2", bizStep: "receiving"),
            Shipping("l3", bizStep: "inspecting")))) { }
        await Probe.UntilAsync(async () => await _database.ScalarAsync<long>("SELECT count(*) FROM risk.provenance_link WHERE tenant_id = 'linking'") == 2,
            TimeSpan.FromSeconds(30), "Risk records the shipping and the receiving link (not the inspection)");
        var kinds = await _database.ScalarAsync<string>("SELECT string_agg(link_kind, ',' ORDER BY link_kind) FROM risk.provenance_link WHERE tenant_id = 'linking'");
        Assert.That(kinds, Is.EqualTo("receiving,shipping"));

        using var verify = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Get, "api/v1/chain/verify", null, exporter.Key));
        var chain = await verify.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That((chain.GetProperty("ok").GetBoolean(), chain.GetProperty("links").GetInt64()), Is.EqualTo((true, 3L)));

        await using (var connection = _database.Open())
        {
            await Dapper.SqlMapper.ExecuteAsync(connection,
                "UPDATE provenance.epcis_event SET document = replace(document, 'L-l2', 'L-forged') WHERE exporter_id = 'linking'");
        }
        using var after = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Get, "api/v1/chain/verify", null, exporter.Key));
        var broken = await after.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(broken.GetProperty("ok").GetBoolean(), Is.False);
        Assert.That(broken.GetProperty("firstBroken").GetProperty("recordType").GetString(), Is.EqualTo("epcis-event"));
    }
}
