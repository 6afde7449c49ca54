using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Traceability.IntegrationTests;

/// <summary>Twenty requests race for one business key: one is stored, the others are told 409 naming the field.</summary>
[TestFixture]
[Category("Integration")]
public class When_requests_race_for_one_business_key : ExportersOnAPlatform
{
    private protected override bool WithRisk => false;

    [TestCase("api/v1/products", """{"gtin":"9506000134352","hsCode":"1801.00","commodity":"Cocoa"}""", "gtin", "SELECT count(*) FROM provenance.product WHERE gtin = '09506000134352'")]
    [TestCase("api/v1/facilities", """{"gln":"6291041500213","name":"Mill","country":"GH","type":"mill"}""", "gln", "SELECT count(*) FROM provenance.facility WHERE gln = '6291041500213'")]
    [TestCase("api/v1/facilities", """{"oshId":"GH2024001AB12CD","name":"Mill","country":"GH","type":"mill"}""", "oshId", "SELECT count(*) FROM provenance.facility WHERE osh_id = 'GH2024001AB12CD'")]
    [TestCase("admin/exporters", """{"id":"racer","name":"Racer Ltd"}""", "id", "SELECT count(*) FROM provenance.exporter WHERE id = 'racer'")]
    public async Task Should_store_one_and_answer_409_to_the_rest(string path, string body, string field, string countSql)
    {
        var key = path.StartsWith("admin", StringComparison.Ordinal) ? ServiceProcess.AdminKey : _acme.Key;
        var logBefore = _provenance.Log.Length;
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var response = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Post, path, body, key));
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }));

        Assert.That(responses.Count(r => r.StatusCode == HttpStatusCode.Created), Is.EqualTo(1), string.Join("\n", responses.Select(r => $"{r.StatusCode} {r.Body}")));
        var refused = responses.Where(r => r.StatusCode != HttpStatusCode.Created).ToList();
        Assert.That(refused.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.Conflict), string.Join("\n", refused.Select(r => $"{r.StatusCode} {r.Body}")));
        Assert.That(await _database.ScalarAsync<long>(countSql), Is.EqualTo(1));
        foreach (var (_, text) in refused)
        {
            Assert.That(JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _), Is.True, text);
        }
        Assert.That(When_a_client_error_is_answered.HttpFailures(_provenance.Log[logBefore..]), Is.Empty, "a lost race is a client's conflict, not a server failure");
    }
}

/// <summary>Someone who knows a key's prefix (it is shown in the admin key list) sends wrong secrets with it.</summary>
[TestFixture]
[Category("Integration")]
public class When_someone_sends_wrong_secrets_with_a_known_key_prefix
{
    [Test]
    public async Task Should_limit_the_sender_and_leave_the_key_working()
    {
        await using var database = await Infrastructure.CreateDatabaseAsync();
        await using var virtualHost = await Infrastructure.CreateVirtualHostAsync();
        await using var provenance = await ServiceProcess.StartAsync("Provenance", database, virtualHost,
            new Dictionary<string, string> { ["RateLimit__Burst"] = "5", ["RateLimit__PerSecond"] = "1" });
        var victim = await ProvenanceAdmin.OnboardAsync(provenance, "victim");
        var prefix = victim.Key.Split('_')[1];
        var forged = $"trc_{prefix}_{new string('x', 32)}";

        var attack = new List<HttpStatusCode>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Get, "api/v1/facilities", null, forged));
            attack.Add(response.StatusCode);
        }
        Assert.That(attack, Does.Contain(HttpStatusCode.TooManyRequests), "failed attempts are limited per client address");
        Assert.That(attack, Is.All.AnyOf(HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests));

        // Within the same second, from the same address: the victim's own bucket is untouched.
        for (var i = 0; i < 4; i++)
        {
            using var own = await provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Get, "api/v1/facilities", null, victim.Key));
            Assert.That(own.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the key keeps working while someone guesses its secret");
        }
    }
}

/// <summary>A client error is logged once, at Information, without the request body.</summary>
[TestFixture]
[Category("Integration")]
public class When_a_client_error_is_answered
{
    [Test]
    public async Task Should_log_it_once_at_Information_without_the_body()
    {
        await using var database = await Infrastructure.CreateDatabaseAsync();
        await using var virtualHost = await Infrastructure.CreateVirtualHostAsync();
        await using var provenance = await ServiceProcess.StartAsync("Provenance", database, virtualHost,
            new Dictionary<string, string> { ["Logging__LogLevel__Traceability"] = "Information" });
        var acme = await ProvenanceAdmin.OnboardAsync(provenance, "acme");
        const string Secret = "personal-data-7f3a";

        using var malformed = await provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Post, "api/v1/products",
            $$"""{"gtin":"9506000134352","gtin":"9506000134352","hsCode":"1801.00","commodity":"{{Secret}}"}""", acme.Key));
        using var invalid = await provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Post, "api/v1/facilities",
            $$"""{"name":"{{Secret}}","country":"GH","type":"farm"}""", acme.Key));
        Assert.That((malformed.StatusCode, invalid.StatusCode), Is.EqualTo((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest)));
        const string Product = """{"gtin":"9506000134352","hsCode":"1801.00","commodity":"Cocoa"}""";
        using var first = await provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Post, "api/v1/products", Product, acme.Key));
        using var again = await provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Post, "api/v1/products", Product, acme.Key));
        Assert.That((first.StatusCode, again.StatusCode), Is.EqualTo((HttpStatusCode.Created, HttpStatusCode.Conflict)));

        await Probe.UntilAsync(() => Task.FromResult(Lines(provenance.Log, "Client error").Count == 3), TimeSpan.FromSeconds(10), "the three client errors are logged");
        Assert.That(Lines(provenance.Log, "Client error 400 on POST /api/v1/products"), Has.Count.EqualTo(1));
        Assert.That(Lines(provenance.Log, "Client error 409 on POST /api/v1/products"), Has.Count.EqualTo(1));
        Assert.That(Lines(provenance.Log, "POST /api/v1/facilities"), Has.Count.EqualTo(1));
        Assert.That(Lines(provenance.Log, "9506000134352"), Is.Empty, "nothing of a body is logged");
        Assert.That(Lines(provenance.Log, "Client error").All(l => l.Contains("info:", StringComparison.Ordinal)), Is.True);
        Assert.That(provenance.Log, Does.Not.Contain(Secret));
        Assert.That(HttpFailures(provenance.Log), Is.Empty);
    }

    /// <summary>Lines the HTTP pipeline logged as failures (the bus logs its own, about delivery, not about clients).</summary>
    internal static List<string> HttpFailures(string log) =>
        log.Split('\n').Where(line => line.Contains("fail: Microsoft.AspNetCore", StringComparison.Ordinal)
            || line.Contains("fail: Traceability.ClientErrors", StringComparison.Ordinal)).ToList();

    private static List<string> Lines(string log, string text) =>
        log.Split('\n').Where(l => l.Contains(text, StringComparison.Ordinal)).ToList();
}

/// <summary>The input rules the README lists, each shown once over HTTP.</summary>
[TestFixture]
[Category("Integration")]
public class When_input_breaks_a_rule : ExportersOnAPlatform
{
    private protected override bool WithRisk => false;

    private const string Context = """["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]""";

    private static string Event(string eventTime, string epc, string? eventId = null) => $$"""
        {"@context":{{Context}},"type":"ObjectEvent",{{(eventId is null ? "" : $"\"eventID\":\"{eventId}\",")}}"eventTime":"{{eventTime}}",
         "eventTimeZoneOffset":"+00:00","action":"OBSERVE","bizStep":"shipping","epcList":["{{epc}}"]}
        """;

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(string path, string json, string mediaType = "application/json",
        IReadOnlyDictionary<string, string>? headers = null)
    {
        var request = ProvenanceAdmin.Request(HttpMethod.Post, path, json, _acme.Key);
        request.Content!.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.Add(name, value);
        }
        using var response = await _provenance.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<string> QueryAsync(string query)
    {
        using var response = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Get, $"epcis/events?{query}", null, _acme.Key));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return await response.Content.ReadAsStringAsync();
    }

    [TestCase("1899-12-31T23:59:59Z")]
    [TestCase("0001-01-01T00:00:00Z")]
    [TestCase("9999-12-31T23:59:59Z")]
    [TestCase("2026-11-02T09:00:00+14:01")]
    public async Task Should_refuse_an_event_time_no_query_could_find(string eventTime)
    {
        var (status, body) = await PostAsync("epcis/events", Event(eventTime, "urn:epc:id:sgtin:0614141.107346.1"), "application/ld+json");
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), body);
        Assert.That(body, Does.Contain("\"eventTime\""));
    }

    [Test]
    public async Task Should_find_an_event_at_the_earliest_time_it_accepts()
    {
        var (status, body) = await PostAsync("epcis/events", Event("1900-01-01T00:00:00Z", "urn:epc:id:sgtin:0614141.107346.1900"), "application/ld+json");
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), body);
        Assert.That(await QueryAsync("MATCH_epc=urn:epc:id:sgtin:0614141.107346.1900"), Does.Contain("1900-01-01T00:00:00Z"));
    }

    [Test]
    public async Task Should_refuse_an_epc_longer_than_its_index_and_find_one_that_fits()
    {
        var tooLong = "urn:epc:id:sgtin:0614141.107346." + new string('9', 400);
        var fits = tooLong[..400];
        var (refused, refusal) = await PostAsync("epcis/events", Event("2026-11-02T09:00:00Z", tooLong), "application/ld+json");
        Assert.That(refused, Is.EqualTo(HttpStatusCode.BadRequest), refusal);
        Assert.That(refusal, Does.Contain("epcList[0]"));
        var (stored, body) = await PostAsync("epcis/events", Event("2026-11-02T09:00:00Z", fits), "application/ld+json");
        Assert.That(stored, Is.EqualTo(HttpStatusCode.Created), body);
        Assert.That(await QueryAsync($"MATCH_epc={Uri.EscapeDataString(fits)}"), Does.Contain(fits));
    }

    [Test]
    public async Task Should_not_replay_an_idempotent_answer_to_another_error_behaviour()
    {
        var document = $$$"""
            {"@context":{{{Context}}},"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-11-02T10:00:00Z","epcisBody":{"eventList":[
              {{{Event("2026-11-02T09:00:00Z", "urn:epc:id:sgtin:0614141.107346.77")}}},{"type":"ObjectEvent","eventTime":"2026-11-02T09:00:00Z","action":"OBSERVE"}]}}
            """;
        Dictionary<string, string> Headers(string behaviour) => new() { ["Idempotency-Key"] = "behaviour-key", ["GS1-Capture-Error-Behaviour"] = behaviour };
        Assert.That((await PostAsync("epcis/capture", document, "application/ld+json", Headers("rollback"))).Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await PostAsync("epcis/capture", document, "application/ld+json", Headers("proceed"))).Status, Is.EqualTo(HttpStatusCode.Accepted));
        var (again, body) = await PostAsync("epcis/capture", document, "application/ld+json", Headers("rollback"));
        Assert.That(again, Is.EqualTo(HttpStatusCode.UnprocessableEntity), body);
    }

    [TestCase("api/v1/shipments", """{"hsCode":"1801.00","commodity":"Cocoa","originCountry":"GH","quantity":-5,"quantity":5,"unit":"kg","shipDate":"2026-11-02"}""", "quantity")]
    [TestCase("api/v1/products", """{"gtin":"9506000134352","hsCode":"1801.00","commodity":"\u200B\u200B"}""", "commodity")]
    [TestCase("api/v1/facilities", """{"gln":"7594567000014","name":"Farm \u202Eevil","country":"GH","type":"farm"}""", "name")]
    [TestCase("api/v1/products", """{"gtin":"00000000000000","hsCode":"1801.00","commodity":"Cocoa"}""", "gtin")]
    [TestCase("api/v1/facilities", """{"gln":"0000000000000","name":"Farm","country":"GH","type":"farm"}""", "gln")]
    [TestCase("api/v1/products", """{"gtin":"9506000134352","hsCode":"0000.00","commodity":"Cocoa"}""", "hsCode")]
    [TestCase("api/v1/shipments", """{"hsCode":"1801.00","commodity":"Cocoa","originCountry":"GH","quantity":5,"unit":"kg","shipDate":"2026-11-02","tiers":[{"facilityId":"0195a8a0-0000-7000-8000-000000000000","role":"grower","from":"0001-01-01","to":"9999-12-31"}]}""", "tiers[0].from")]
    public async Task Should_refuse_it_naming_the_field(string path, string json, string field)
    {
        var (status, body) = await PostAsync(path, json);
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), body);
        Assert.That(JsonDocument.Parse(body).RootElement.GetProperty("errors").TryGetProperty(field, out _), Is.True, body);
    }

    [Test]
    public async Task Should_refuse_an_unknown_EPCIS_query_parameter()
    {
        using var response = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Get, "epcis/events?EQ_bizstep=shipping", null, _acme.Key));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("EQ_bizstep"));
    }

    [Test]
    public async Task Should_read_a_gzip_body_and_refuse_one_that_only_says_so()
    {
        const string Product = """{"gtin":"4006381333931","hsCode":"1801.00","commodity":"Cocoa"}""";
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(Encoding.UTF8.GetBytes(Product));
        }
        async Task<HttpStatusCode> SendAsync(byte[] body, string encoding)
        {
            var request = ProvenanceAdmin.Request(HttpMethod.Post, "api/v1/products", null, _acme.Key);
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Content.Headers.ContentEncoding.Add(encoding);
            using var response = await _provenance.Http.SendAsync(request);
            return response.StatusCode;
        }
        Assert.That(await SendAsync(compressed.ToArray(), "gzip"), Is.EqualTo(HttpStatusCode.Created));
        Assert.That(await SendAsync(Encoding.UTF8.GetBytes(Product), "gzip"), Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await SendAsync(Encoding.UTF8.GetBytes(Product), "compress"), Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
    }

    [Test]
    public async Task Should_read_a_compressed_EPCIS_document_up_to_the_advertised_size()
    {
        // About 2 MiB once decompressed: over the 1 MiB default, within GS1-EPCIS-Capture-File-Size-Limit (16 MiB).
        var events = string.Join(",", Enumerable.Range(0, 100).Select(i =>
            Event("2026-11-02T09:00:00Z", $"urn:epc:id:sgtin:0614141.107346.9{i}")[..^1] + $",\"https://example.com/epcis/note\":\"{new string('n', 21_000)}\"}}"));
        var document = $$$"""
            {"@context":{{{Context}}},"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-11-02T10:00:00Z","epcisBody":{"eventList":[{{{events}}}]}}
            """;
        Assert.That(Encoding.UTF8.GetByteCount(document), Is.GreaterThan(2_000_000));
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(Encoding.UTF8.GetBytes(document));
        }
        var request = ProvenanceAdmin.Request(HttpMethod.Post, "epcis/capture", null, _acme.Key);
        request.Content = new ByteArrayContent(compressed.ToArray());
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/ld+json");
        request.Content.Headers.ContentEncoding.Add("gzip");
        using var response = await _provenance.Http.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
    }

    [TestCase("api/v1/facilities")]
    [TestCase("epcis/events")]
    [TestCase("api/v1/chain/verify")]
    public async Task Should_answer_HEAD_like_GET_without_a_body(string path)
    {
        using var get = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Get, path, null, _acme.Key));
        using var head = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Head, path, null, _acme.Key));
        Assert.That(head.StatusCode, Is.EqualTo(get.StatusCode));
        Assert.That(head.Content.Headers.ContentType?.MediaType, Is.EqualTo(get.Content.Headers.ContentType?.MediaType));
        Assert.That(await head.Content.ReadAsByteArrayAsync(), Is.Empty);
        // The connection is still usable after a HEAD: no stray body bytes were sent.
        using var after = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Get, path, null, _acme.Key));
        Assert.That(after.StatusCode, Is.EqualTo(get.StatusCode));
    }
}
