using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Traceability.Hosting;

namespace Traceability.IntegrationTests;

/// <summary>The walking skeleton end to end: Provenance and Risk as processes, over the real bus.</summary>
[TestFixture]
[Category("EndToEnd")]
public class When_an_exporter_records_shipments : ExportersOnAPlatform
{


    internal static HttpRequestMessage Post(ExporterKey exporter, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/shipments") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Api-Key", exporter.Key);
        return request;
    }

    internal static HttpRequestMessage Get(ExporterKey? exporter, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (exporter is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", exporter.Key);
        }
        return request;
    }

    internal static string Shipment(string commodity, string origin) =>
        $$"""{"hsCode":"1801.00","commodity":"{{commodity}}","originCountry":"{{origin}}","quantity":2500,"unit":"kg","shipDate":"2026-11-02"}""";

    private async Task<JsonElement> FlagsFor(string shipmentId)
    {
        var page = await _riskAsAdmin.GetFromJsonAsync<JsonElement>($"api/v1/flags?subjectType=shipment&subjectId={shipmentId}");
        return page.GetProperty("items");
    }

    [Test]
    public async Task Should_raise_a_flag_for_cocoa_from_Cote_d_Ivoire()
    {
        using var response = await _provenance.Http.SendAsync(Post(_acme, Shipment("Cocoa", "CI")));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var shipment = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = shipment.GetProperty("id").GetString()!;
        Assert.That(response.Headers.Location!.ToString(), Is.EqualTo($"/api/v1/shipments/{id}"));

        await Probe.UntilAsync(async () => (await FlagsFor(id)).GetArrayLength() == 1, TimeSpan.FromSeconds(30), "Risk flags the shipment");
        var flag = (await FlagsFor(id))[0];
        Assert.That(flag.GetProperty("ruleId").GetString(), Is.EqualTo("dol-goods-list"));
        Assert.That(flag.GetProperty("severity").GetString(), Is.EqualTo("high"));
        Assert.That(flag.GetProperty("scopeCountry").GetString(), Is.EqualTo("CI"));
        Assert.That(flag.GetProperty("explanation").GetString(), Does.Contain("Cocoa from Côte d'Ivoire (CI, origin)"));
        Assert.That(flag.GetProperty("evidence").EnumerateArray().Select(e => e.GetString()), Does.Contain($"shipment:{id}").And.Contain("dol-2022:cocoa:CI"));
    }

    [Test]
    public async Task Should_evaluate_but_not_flag_coffee_from_Germany()
    {
        using var response = await _provenance.Http.SendAsync(Post(_acme, Shipment("Coffee", "DE")));
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await Probe.UntilAsync(async () => await _database.ScalarAsync<long>(
            "SELECT count(*) FROM risk.shipment_evaluation WHERE shipment_id = @Id", new { Id = id }) == 1, TimeSpan.FromSeconds(30), "Risk evaluates the shipment");
        Assert.That((await FlagsFor(id.ToString())).GetArrayLength(), Is.Zero);
    }

    [Test]
    public async Task Should_show_a_shipment_to_its_exporter_only()
    {
        using var created = await _provenance.Http.SendAsync(Post(_acme, Shipment("Coffee", "BR")));
        var location = created.Headers.Location!.ToString().TrimStart('/');

        using var own = Get(_acme, location);
        using var ownResponse = await _provenance.Http.SendAsync(own);
        Assert.That(ownResponse.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await ownResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("commodity").GetString(), Is.EqualTo("Coffee"));

        using var other = Get(_rival, location);
        using var otherResponse = await _provenance.Http.SendAsync(other);
        using var missing = Get(_rival, $"api/v1/shipments/{Guid.NewGuid()}");
        using var missingResponse = await _provenance.Http.SendAsync(missing);
        Assert.That(otherResponse.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "another exporter's id answers as a missing one");
        Assert.That(missingResponse.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(otherResponse.Content.Headers.ContentType?.MediaType, Is.EqualTo(missingResponse.Content.Headers.ContentType?.MediaType));

        using var anonymous = await _provenance.Http.GetAsync(location);
        Assert.That(anonymous.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [TestCase("""{"hsCode":"52","commodity":"","originCountry":"cn","quantity":-1,"unit":"bales","shipDate":"2026-11-02"}""", "hsCode", "commodity", "originCountry", "quantity")]
    [TestCase("""{"hsCode":"520100","commodity":"Cotton","originCountry":"CN","quantity":"many","unit":"kg","shipDate":"2026-11-02"}""", "quantity")]
    [TestCase("""{"hsCode":"520100","commodity":"Cotton","originCountry":"CN","quantity":1,"unit":"kg","shipDate":"02/11/2026"}""", "shipDate")]
    [TestCase("""{"hsCode":"520100","commodity":"Cotton","origin":"CN","quantity":1,"unit":"kg","shipDate":"2026-11-02"}""", "origin")]
    [TestCase("""{"hsCode":"520100","commodity":"Cot""", "commodity")]
    [TestCase("""[1, 2, 3]""", "$")]
    public async Task Should_answer_malformed_input_with_field_errors_and_store_nothing(string body, params string[] fields)
    {
        var shipmentsBefore = await _database.ScalarAsync<long>("SELECT count(*) FROM provenance.shipment");
        var outboxBefore = await _database.ScalarAsync<long>("SELECT count(*) FROM provenance.outbox_message");

        using var response = await _provenance.Http.SendAsync(Post(_acme, body));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(problem.GetProperty("status").GetInt32(), Is.EqualTo(400));
        Assert.That(problem.GetProperty("errors").EnumerateObject().Select(p => p.Name), Is.SupersetOf(fields));
        Assert.That(await _database.ScalarAsync<long>("SELECT count(*) FROM provenance.shipment"), Is.EqualTo(shipmentsBefore));
        Assert.That(await _database.ScalarAsync<long>("SELECT count(*) FROM provenance.outbox_message"), Is.EqualTo(outboxBefore));
    }

    [Test]
    public async Task Should_refuse_a_body_over_the_size_limit()
    {
        var huge = Shipment(new string('x', 1_200_000), "CN");
        using var request = Post(_acme, huge);
        // Without it, a server refusing the body before reading it may reset the upload (broken pipe)
        // instead of the client reading the 413.
        request.Headers.ExpectContinue = true;
        using var response = await _provenance.Http.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
    }

    [Test]
    public async Task Should_move_a_message_that_keeps_failing_to_the_error_queue_and_go_on()
    {
        // A tenant id longer than Risk's column fails every attempt: after its retries the message
        // must land in risk-shipment-recorded_error, and the shipment behind it must still be evaluated.
        var poison = Recorded(new string('t', 200));
        await TestBus.PublishAsync(_virtualHost, poison, poison with { EventId = Guid.NewGuid(), TenantId = "acme", ShipmentId = Guid.NewGuid() });

        await Probe.UntilAsync(async () => await ErrorQueueDepthAsync() == 1, TimeSpan.FromSeconds(90), "the poison message reaches the error queue");
        Assert.That(await _database.ScalarAsync<long>("SELECT count(*) FROM risk.shipment_evaluation WHERE tenant_id = 'acme' AND shipment_id <> @Id", new { Id = poison.ShipmentId }),
            Is.GreaterThanOrEqualTo(1));
        Assert.That(await _database.ScalarAsync<long>("SELECT count(*) FROM risk.inbox_message WHERE message_id = @Id", new { Id = poison.EventId }), Is.Zero,
            "a failed attempt leaves no inbox row behind");
    }

    [Test]
    public async Task Should_relay_shipments_committed_together_as_one_message_and_flag_each_once()
    {
        // Sent at once, the requests share Provenance's transactions, so its relay finds several shipments of acme per claim
        // and sends them as one ShipmentsRecorded; Risk's flags come back to Provenance the same way, as FlagsRaised.
        var ids = await Task.WhenAll(Enumerable.Range(0, 24).Select(async _ =>
        {
            using var response = await _provenance.Http.SendAsync(Post(_acme, Shipment("Cocoa", "CI")));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        }));

        await Probe.UntilAsync(async () => await _database.ScalarAsync<long>(
            "SELECT count(*) FROM provenance.risk_flag WHERE shipment_id = ANY(@Ids)", new { Ids = ids }) == ids.Length,
            TimeSpan.FromSeconds(60), "every shipment's flag reaches the exporter's copy in Provenance");
        Assert.Multiple(async () =>
        {
            Assert.That(await _database.ScalarAsync<long>("SELECT count(*) FROM risk.shipment_evaluation WHERE shipment_id = ANY(@Ids)", new { Ids = ids }), Is.EqualTo(ids.Length));
            Assert.That(await _database.ScalarAsync<long>("SELECT count(*) FROM risk.flag WHERE subject_type = 'shipment' AND subject_id = ANY(@Ids)",
                new { Ids = ids.Select(id => id.ToString()).ToArray() }), Is.EqualTo(ids.Length));
        });
        // The broker's statistics are sampled every few seconds.
        await Probe.UntilAsync(async () => await ExchangeMessagesInAsync("Traceability.Contracts.Provenance:ShipmentsRecorded") > 0,
            TimeSpan.FromSeconds(30), "shipments committed together were sent as one ShipmentsRecorded");
        await Probe.UntilAsync(async () => await ExchangeMessagesInAsync("Traceability.Contracts.Risk:FlagsRaised") > 0,
            TimeSpan.FromSeconds(30), "flags relayed together were sent as one FlagsRaised");
    }

    [Test]
    public async Task Should_evaluate_each_shipment_of_a_redelivered_or_regrouped_batch_once()
    {
        var shipments = Enumerable.Range(0, 4).Select(_ => Recorded("acme")).ToList();
        var batch = Batch(shipments[0], shipments[1], shipments[2]);
        var batchId = Guid.NewGuid();
        // The first shipment also alone (as its single message, with the id the batch carries for it); the batch twice with
        // one transport id (a redelivery); then regrouped, as a relay that crashed before marking its rows would send them again.
        await TestBus.PublishAsync(_virtualHost, (shipments[0], shipments[0].EventId), (batch, batchId), (batch, batchId),
            (Batch(shipments[1], shipments[2], shipments[3]), Guid.NewGuid()));

        var ids = shipments.Select(s => s.EventId).ToArray();
        await Probe.UntilAsync(async () => await _database.ScalarAsync<long>(
            "SELECT coalesce(sum(duplicates), 0) FROM risk.inbox_message WHERE message_id = ANY(@Ids)", new { Ids = ids }) == 6,
            TimeSpan.FromSeconds(60), "every copy of every shipment was consumed (two duplicates each, but the fourth's none)");
        foreach (var shipment in shipments)
        {
            Assert.That(await _database.ScalarAsync<long>("SELECT count(*) FROM risk.shipment_evaluation WHERE shipment_id = @ShipmentId", new { shipment.ShipmentId }),
                Is.EqualTo(1), "evaluated once");
            Assert.That(await _database.ScalarAsync<long>("SELECT count(*) FROM risk.flag_history h JOIN risk.flag f ON f.id = h.flag_id WHERE f.subject_id = @Id",
                new { Id = shipment.ShipmentId.ToString() }), Is.EqualTo(1), "flagged once");
        }
    }

    [Test]
    public async Task Should_evaluate_the_rest_of_a_batch_when_one_shipment_keeps_failing()
    {
        var (first, second) = (Recorded("acme"), Recorded("acme"));
        // Longer than Risk's tenant column: this shipment fails every attempt, alone.
        var poison = Recorded(new string('t', 200));
        var errorsBefore = await ErrorQueueDepthAsync();
        await TestBus.PublishAsync(_virtualHost, Batch(first, poison, second));

        await Probe.UntilAsync(async () => await _database.ScalarAsync<long>(
            "SELECT count(*) FROM risk.shipment_evaluation WHERE shipment_id = ANY(@Ids)", new { Ids = new[] { first.ShipmentId, second.ShipmentId } }) == 2,
            TimeSpan.FromSeconds(30), "the poison shipment's batch-mates are evaluated at once, not after its retries");
        await Probe.UntilAsync(async () => await ErrorQueueDepthAsync() == errorsBefore + 1, TimeSpan.FromSeconds(90), "the batch reaches the error queue after its retries");
        Assert.Multiple(async () =>
        {
            Assert.That(await _database.ScalarAsync<long>("SELECT count(*) FROM risk.shipment_evaluation WHERE shipment_id = ANY(@Ids)",
                new { Ids = new[] { first.ShipmentId, second.ShipmentId } }), Is.EqualTo(2), "each batch-mate evaluated once through the retries");
            Assert.That(await _database.ScalarAsync<long>("SELECT count(*) FROM risk.inbox_message WHERE message_id = @EventId", new { poison.EventId }), Is.Zero,
                "the poison shipment left no inbox row: once mended, a redrive from the error queue evaluates it");
        });
        // The error queue as it was, for the other poison test of this fixture.
        using var http = Infrastructure.Management();
        (await http.DeleteAsync($"api/queues/{_virtualHost.Name}/risk-shipment-recorded_error/contents")).EnsureSuccessStatusCode();
    }

    private static Traceability.Contracts.Provenance.ShipmentRecorded Recorded(string tenant) => new()
    {
        EventId = Guid.NewGuid(),
        TenantId = tenant,
        OccurredAt = DateTime.UtcNow,
        ShipmentId = Guid.NewGuid(),
        HsCode = "180100",
        Commodity = "Cocoa",
        OriginCountry = "CI",
        Quantity = 1,
        Unit = "kg",
        ShipDate = new DateOnly(2026, 11, 1),
    };

    private static Traceability.Contracts.Provenance.ShipmentsRecorded Batch(params Traceability.Contracts.Provenance.ShipmentRecorded[] shipments) => new()
    {
        EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = DateTime.UtcNow, Shipments = shipments,
    };

    private async Task<long> ExchangeMessagesInAsync(string exchange)
    {
        using var http = Infrastructure.Management();
        using var response = await http.GetAsync($"api/exchanges/{_virtualHost.Name}/{Uri.EscapeDataString(exchange)}");
        if (!response.IsSuccessStatusCode)
        {
            return 0;
        }
        var found = await response.Content.ReadFromJsonAsync<JsonElement>();
        return found.TryGetProperty("message_stats", out var stats) && stats.TryGetProperty("publish_in", out var published) ? published.GetInt64() : 0;
    }

    private async Task<long> ErrorQueueDepthAsync()
    {
        using var http = Infrastructure.Management();
        using var response = await http.GetAsync($"api/queues/{_virtualHost.Name}/risk-shipment-recorded_error");
        if (!response.IsSuccessStatusCode)
        {
            return 0;
        }
        var queue = await response.Content.ReadFromJsonAsync<JsonElement>();
        return queue.TryGetProperty("messages", out var messages) ? messages.GetInt64() : 0;
    }

    [Test]
    public async Task Should_show_flags_only_to_a_valid_token_with_a_role_that_works_flags()
    {
        async Task<HttpStatusCode> StatusWith(string? token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/flags");
            if (token is not null)
            {
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            }
            using var response = await _risk.Http.SendAsync(request);
            return response.StatusCode;
        }
        var issuer = TestIssuer.Shared;
        using var strangerKey = System.Security.Cryptography.RSA.Create(2048);
        Assert.Multiple(async () =>
        {
            Assert.That(await StatusWith(null), Is.EqualTo(HttpStatusCode.Unauthorized), "no token");
            Assert.That(await StatusWith(_acme.Key), Is.EqualTo(HttpStatusCode.Unauthorized), "an exporter's API key is not a token");
            Assert.That(await StatusWith(issuer.Mint("a", [Roles.Admin], lifetime: TimeSpan.FromMinutes(5), issuedAt: DateTime.UtcNow.AddHours(-1))),
                Is.EqualTo(HttpStatusCode.Unauthorized), "expired");
            Assert.That(await StatusWith(issuer.Mint("a", [Roles.Admin], audience: "another-api")), Is.EqualTo(HttpStatusCode.Unauthorized), "wrong audience");
            Assert.That(await StatusWith(issuer.Mint("a", [Roles.Admin], signingKey: new Microsoft.IdentityModel.Tokens.RsaSecurityKey(strangerKey) { KeyId = "stranger" })),
                Is.EqualTo(HttpStatusCode.Unauthorized), "signed by a key the issuer never published");
            Assert.That(await StatusWith(issuer.Mint("c", [Roles.Certifier])), Is.EqualTo(HttpStatusCode.Forbidden), "a certifier does not work flags");
            foreach (var role in new[] { Roles.Auditor, Roles.Caseworker, Roles.Admin })
            {
                Assert.That(await StatusWith(issuer.Mint("u", [role])), Is.EqualTo(HttpStatusCode.OK), role);
            }
        });
    }

    [Test]
    public async Task Should_page_and_validate_the_flag_list()
    {
        using var invalid = await _riskAsAdmin.GetAsync("api/v1/flags?pageSize=0&subjectType=planet");
        Assert.That(invalid.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var errors = (await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.That(errors.EnumerateObject().Select(p => p.Name), Is.EquivalentTo(new[] { "pageSize", "subjectType" }));

        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var created = await _provenance.Http.SendAsync(Post(_acme, Shipment("Gold", "PE")));
            ids.Add((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
        }
        await Probe.UntilAsync(async () =>
        {
            var counts = await Task.WhenAll(ids.Select(FlagsFor));
            return counts.All(c => c.GetArrayLength() == 1);
        }, TimeSpan.FromSeconds(30), "three gold shipments are flagged");
        var first = await _riskAsAdmin.GetFromJsonAsync<JsonElement>("api/v1/flags?subjectType=shipment&page=1&pageSize=2");
        var second = await _riskAsAdmin.GetFromJsonAsync<JsonElement>("api/v1/flags?subjectType=shipment&page=2&pageSize=2");
        Assert.That(first.GetProperty("items").GetArrayLength(), Is.EqualTo(2));
        Assert.That(first.GetProperty("total").GetInt64(), Is.GreaterThanOrEqualTo(3));
        var firstIds = first.GetProperty("items").EnumerateArray().Select(f => f.GetProperty("id").GetString());
        var secondIds = second.GetProperty("items").EnumerateArray().Select(f => f.GetProperty("id").GetString());
        Assert.That(firstIds.Intersect(secondIds), Is.Empty, "pages do not overlap");
    }
}

[TestFixture]
[Category("EndToEnd")]
public class When_every_service_runs
{
    [TestCase("Provenance", "provenance")]
    [TestCase("Audits", "audits")]
    [TestCase("Grievances", "grievances")]
    [TestCase("Risk", "risk")]
    [TestCase("Portal", "portal")]
    public async Task Should_be_live_ready_and_describe_its_API(string service, string schema)
    {
        await using var database = await Infrastructure.CreateDatabaseAsync();
        await using var virtualHost = await Infrastructure.CreateVirtualHostAsync();
        await using var process = await ServiceProcess.StartAsync(service, database, virtualHost);

        using var live = await process.Http.GetAsync("health/live");
        using var ready = await process.Http.GetAsync("health/ready");
        var readiness = await ready.Content.ReadFromJsonAsync<JsonElement>();
        using var openApi = await process.Http.GetAsync("openapi/v1.json");

        Assert.That(live.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(readiness.GetProperty("checks").EnumerateObject().Select(c => c.Name), Is.SupersetOf(new[] { "database", "masstransit-bus" }));
        Assert.That(openApi.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await openApi.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("openapi").GetString(), Does.StartWith("3."));
        Assert.That(await database.ScalarAsync<long>($"SELECT count(*) FROM information_schema.tables WHERE table_schema = '{schema}' AND table_name = 'outbox_message'"), Is.EqualTo(1));
    }

    [Test]
    public async Task Should_run_with_tracing_exported_over_OTLP_even_when_no_collector_answers()
    {
        await using var database = await Infrastructure.CreateDatabaseAsync();
        await using var virtualHost = await Infrastructure.CreateVirtualHostAsync();
        // A loopback port nobody listens on: export fails quietly, the service serves on.
        await using var process = await ServiceProcess.StartAsync("Provenance", database, virtualHost,
            new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9" });
        var exporter = await ProvenanceAdmin.OnboardAsync(process, "traced");
        using var created = await process.Http.SendAsync(When_an_exporter_records_shipments.Post(exporter, When_an_exporter_records_shipments.Shipment("Tea", "KE")));
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(await database.ScalarAsync<string>("SELECT trace_parent FROM provenance.outbox_message"), Does.StartWith("00-"),
            "with tracing on, the outbox row carries the request's W3C trace context");
    }

    [Test]
    public async Task Should_report_not_ready_while_its_database_is_unreachable()
    {
        await using var database = await Infrastructure.CreateDatabaseAsync();
        await using var virtualHost = await Infrastructure.CreateVirtualHostAsync();
        await using var process = await ServiceProcess.StartAsync("Audits", database, virtualHost);

        // Take the database away under the running service.
        await database.DisposeAsync();
        await Probe.UntilAsync(async () =>
        {
            using var ready = await process.Http.GetAsync("health/ready");
            return ready.StatusCode == HttpStatusCode.ServiceUnavailable;
        }, TimeSpan.FromSeconds(30), "readiness turns 503");
        using var live = await process.Http.GetAsync("health/live");
        Assert.That(live.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the process itself is still alive");
    }
}
