using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Traceability.Hosting;

namespace Traceability.IntegrationTests;

/// <summary>Who may call what on Provenance: every endpoint against every kind of credential.</summary>
[TestFixture]
[Category("Integration")]
public class When_callers_present_credentials_to_Provenance : ExportersOnAPlatform
{
    private ExporterKey _revoked = null!;
    private string _acmeShipment = null!;
    private string _acmeFacility = null!;
    private string _acmeProduct = null!;
    private string _acmeCapture = null!;
    private string _acmeEvent = null!;

    private const string Facility = """{"gln":"7594567000014","name":"Farm","country":"GH","type":"farm"}""";
    private const string Product = """{"gtin":"4006381333931","hsCode":"180100","commodity":"Cocoa"}""";
    private const string EpcisEvent = """
        {"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"ObjectEvent","eventTime":"2026-11-02T09:00:00Z",
         "eventTimeZoneOffset":"+00:00","action":"OBSERVE","bizStep":"shipping","epcList":["urn:epc:id:sgtin:0614141.107346.2017"]}
        """;
    private const string EpcisDocument = """
        {"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0",
         "creationDate":"2026-11-02T10:00:00Z","epcisBody":{"eventList":[{"type":"ObjectEvent","eventTime":"2026-11-02T09:00:00Z",
         "eventTimeZoneOffset":"+00:00","action":"OBSERVE","bizStep":"receiving","epcList":["urn:epc:id:sgtin:0614141.107346.2018"]}]}}
        """;

    private protected override bool WithRisk => false;

    private protected override async Task StartedAsync()
    {
        _revoked = await ProvenanceAdmin.IssueKeyAsync(_provenance, "acme");
        using var revoke = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Delete, $"admin/exporters/acme/keys/{_revoked.KeyId}"));
        Assert.That(revoke.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        using var created = await _provenance.Http.SendAsync(When_an_exporter_records_shipments.Post(_acme, When_an_exporter_records_shipments.Shipment("Coffee", "KE")));
        _acmeShipment = created.Headers.Location!.ToString().TrimStart('/');
        _acmeFacility = await CreatedAsync("api/v1/facilities", Facility);
        _acmeProduct = await CreatedAsync("api/v1/products", Product);
        _acmeCapture = await CreatedAsync("epcis/capture", EpcisDocument, "application/ld+json");
        _acmeEvent = await CreatedAsync("epcis/events", EpcisEvent, "application/ld+json");
    }

    private async Task<string> CreatedAsync(string path, string json, string mediaType = "application/json")
    {
        var request = ProvenanceAdmin.Request(HttpMethod.Post, path, json, _acme.Key);
        request.Content!.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType);
        using var response = await _provenance.Http.SendAsync(request);
        Assert.That((int)response.StatusCode, Is.AnyOf(201, 202), await response.Content.ReadAsStringAsync());
        return response.Headers.Location!.ToString().TrimStart('/');
    }

    private Task<long> StoredAsync() => _database.ScalarAsync<long>("""
        SELECT (SELECT count(*) FROM provenance.shipment) + (SELECT count(*) FROM provenance.facility) + (SELECT count(*) FROM provenance.product)
             + (SELECT count(*) FROM provenance.epcis_event) + (SELECT count(*) FROM provenance.chain_link)
        """);

    public enum Credential { None, Malformed, UnknownKey, Revoked, Admin }

    private string? KeyFor(Credential credential) => credential switch
    {
        Credential.None => null,
        Credential.Malformed => "not-a-key",
        Credential.UnknownKey => "trc_ABCDEFGHJKLM_" + new string('a', 32),
        Credential.Revoked => _revoked.Key,
        Credential.Admin => ServiceProcess.AdminKey,
        _ => throw new ArgumentOutOfRangeException(nameof(credential)),
    };

    private HttpRequestMessage ExporterRequest(string endpoint, string? key)
    {
        var (method, path, body, mediaType) = endpoint switch
        {
            "POST /api/v1/shipments" => (HttpMethod.Post, "api/v1/shipments", When_an_exporter_records_shipments.Shipment("Cocoa", "GH"), "application/json"),
            "GET /api/v1/shipments/{id}" => (HttpMethod.Get, _acmeShipment, null, null),
            "POST /api/v1/facilities" => (HttpMethod.Post, "api/v1/facilities", Facility.Replace("7594567000014", "8431472300015", StringComparison.Ordinal), "application/json"),
            "PUT /api/v1/facilities/{id}" => (HttpMethod.Put, _acmeFacility, Facility, "application/json"),
            "GET /api/v1/facilities/{id}" => (HttpMethod.Get, _acmeFacility, null, null),
            "GET /api/v1/facilities" => (HttpMethod.Get, "api/v1/facilities", null, null),
            "POST /api/v1/products" => (HttpMethod.Post, "api/v1/products", Product.Replace("4006381333931", "6291041500213", StringComparison.Ordinal), "application/json"),
            "GET /api/v1/products/{id}" => (HttpMethod.Get, _acmeProduct, null, null),
            "GET /api/v1/products" => (HttpMethod.Get, "api/v1/products", null, null),
            "GET /api/v1/chain/verify" => (HttpMethod.Get, "api/v1/chain/verify", null, null),
            "OPTIONS /epcis/capture" => (HttpMethod.Options, "epcis/capture", null, null),
            "POST /epcis/capture" => (HttpMethod.Post, "epcis/capture", EpcisDocument.Replace("2018", "2019", StringComparison.Ordinal), "application/ld+json"),
            "GET /epcis/capture/{id}" => (HttpMethod.Get, _acmeCapture, null, null),
            "POST /epcis/events" => (HttpMethod.Post, "epcis/events", EpcisEvent.Replace("2017", "2020", StringComparison.Ordinal), "application/ld+json"),
            "GET /epcis/events" => (HttpMethod.Get, "epcis/events", null, null),
            "GET /epcis/events/{id}" => (HttpMethod.Get, _acmeEvent, null, null),
            _ => throw new ArgumentOutOfRangeException(nameof(endpoint)),
        };
        var request = ProvenanceAdmin.Request(method, path, body, key);
        if (mediaType is not null)
        {
            request.Content!.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType);
        }
        return request;
    }

    public static readonly string[] ExporterEndpoints =
    [
        "POST /api/v1/shipments", "GET /api/v1/shipments/{id}",
        "POST /api/v1/facilities", "PUT /api/v1/facilities/{id}", "GET /api/v1/facilities/{id}", "GET /api/v1/facilities",
        "POST /api/v1/products", "GET /api/v1/products/{id}", "GET /api/v1/products",
        "GET /api/v1/chain/verify",
        "OPTIONS /epcis/capture", "POST /epcis/capture", "GET /epcis/capture/{id}", "POST /epcis/events", "GET /epcis/events", "GET /epcis/events/{id}",
    ];

    public static readonly string[] ExporterRecordEndpoints =
    [
        "GET /api/v1/shipments/{id}", "PUT /api/v1/facilities/{id}", "GET /api/v1/facilities/{id}", "GET /api/v1/products/{id}",
        "GET /epcis/capture/{id}", "GET /epcis/events/{id}",
    ];

    [TestCaseSource(nameof(ExporterRecordEndpoints))]
    public async Task Should_answer_another_exporters_record_as_missing(string endpoint)
    {
        var before = await StoredAsync();
        using var response = await _provenance.Http.SendAsync(ExporterRequest(endpoint, _rival.Key));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await StoredAsync(), Is.EqualTo(before), "nothing stored or changed");
        using var own = await _provenance.Http.SendAsync(ExporterRequest(endpoint, _acme.Key));
        Assert.That((int)own.StatusCode, Is.InRange(200, 299), "the owner gets it");
    }

    [Test]
    public async Task Should_refuse_exporter_endpoints_without_a_valid_exporter_key(
        [ValueSource(nameof(ExporterEndpoints))] string endpoint,
        [Values(Credential.None, Credential.Malformed, Credential.UnknownKey, Credential.Revoked, Credential.Admin)] Credential credential)
    {
        var before = await StoredAsync();
        using var response = await _provenance.Http.SendAsync(ExporterRequest(endpoint, KeyFor(credential)));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Is.EqualTo("Bearer"));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(await StoredAsync(), Is.EqualTo(before), "nothing stored");
    }

    [Test]
    public async Task Should_answer_another_exporters_shipment_exactly_as_a_missing_one()
    {
        using var other = await _provenance.Http.SendAsync(ExporterRequest("GET /api/v1/shipments/{id}", _rival.Key));
        using var missing = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Get, $"api/v1/shipments/{Guid.NewGuid()}", null, _rival.Key));
        Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        var otherBody = await other.Content.ReadFromJsonAsync<JsonElement>();
        var missingBody = await missing.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(otherBody.GetProperty("title").GetString(), Is.EqualTo(missingBody.GetProperty("title").GetString()));
    }

    [Test]
    public async Task Should_file_a_shipment_under_the_exporter_whose_key_posted_it()
    {
        using var created = await _provenance.Http.SendAsync(ExporterRequest("POST /api/v1/shipments", _rival.Key));
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.That(await _database.ScalarAsync<string>("SELECT exporter_id FROM provenance.shipment WHERE id = @Id", new { Id = id }), Is.EqualTo("rival"));
        using var byAcme = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Get, $"api/v1/shipments/{id}", null, _acme.Key));
        Assert.That(byAcme.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    public static IEnumerable<(HttpMethod, string)> AdminEndpoints() =>
    [
        (HttpMethod.Post, "admin/exporters"),
        (HttpMethod.Get, "admin/exporters"),
        (HttpMethod.Post, "admin/exporters/acme/keys"),
        (HttpMethod.Get, "admin/exporters/acme/keys"),
        (HttpMethod.Post, $"admin/exporters/acme/keys/{Guid.NewGuid()}/rotate"),
        (HttpMethod.Delete, $"admin/exporters/acme/keys/{Guid.NewGuid()}"),
    ];

    [Test]
    public async Task Should_refuse_admin_endpoints_to_anyone_but_the_admin(
        [ValueSource(nameof(AdminEndpoints))] (HttpMethod Method, string Path) endpoint,
        [Values("none", "exporter", "wrong")] string who)
    {
        var key = who switch { "none" => null, "exporter" => _acme.Key, _ => ServiceProcess.AdminKey + "x" };
        var keysBefore = await _database.ScalarAsync<long>("SELECT count(*) FROM provenance.api_key");
        using var response = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(endpoint.Method, endpoint.Path, """{"name":"Intruder"}""", key));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await _database.ScalarAsync<long>("SELECT count(*) FROM provenance.api_key"), Is.EqualTo(keysBefore));
    }

    [Test]
    public async Task Should_let_a_platform_admin_s_token_manage_exporters_and_their_keys_and_refuse_every_other_role()
    {
        var admin = TestIssuer.Shared.Mint("admin-person", [Roles.Admin]);
        using (var created = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Post, "admin/exporters", """{"id":"by-token","name":"By Token Ltd"}""", admin)))
        {
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
        }
        using var issue = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Post, "admin/exporters/by-token/keys", null, admin));
        Assert.That(issue.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var issued = await issue.Content.ReadFromJsonAsync<JsonElement>();
        using (var works = await _provenance.Http.SendAsync(ExporterRequest("POST /api/v1/shipments", issued.GetProperty("key").GetString()!)))
        {
            Assert.That(works.StatusCode, Is.EqualTo(HttpStatusCode.Created), "the key issued through a person's token is a key like any other");
        }

        var keysBefore = await _database.ScalarAsync<long>("SELECT count(*) FROM provenance.api_key");
        foreach (var role in Roles.All.Except([Roles.Admin]))
        {
            var token = TestIssuer.Shared.Mint($"{role}-person", [role], role == Roles.Auditor ? "aud-1" : null);
            using var refused = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Post, "admin/exporters/by-token/keys", null, token));
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), role);
        }
        Assert.That(await _database.ScalarAsync<long>("SELECT count(*) FROM provenance.api_key"), Is.EqualTo(keysBefore), "no key issued to another role");

        using var revoke = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Delete, $"admin/exporters/by-token/keys/{issued.GetProperty("keyId").GetGuid()}", null, admin));
        Assert.That(revoke.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
    }

    [Test]
    public async Task Should_show_a_key_once_and_list_keys_without_their_secret()
    {
        var issued = await ProvenanceAdmin.IssueKeyAsync(_provenance, "rival");
        using var list = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Get, "admin/exporters/rival/keys"));
        var body = await list.Content.ReadAsStringAsync();
        Assert.That(list.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body, Does.Contain(issued.KeyId.ToString()).And.Not.Contain(issued.Key));
        var stored = await _database.ScalarAsync<byte[]>("SELECT key_hash FROM provenance.api_key WHERE id = @Id", new { Id = issued.KeyId });
        Assert.That(stored, Has.Length.EqualTo(32), "only the SHA-256 is stored");
    }

    [Test]
    public async Task Should_stop_accepting_a_rotated_key_and_accept_its_replacement()
    {
        var exporter = await ProvenanceAdmin.OnboardAsync(_provenance, "rotating");
        using var rotate = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Post, $"admin/exporters/rotating/keys/{exporter.KeyId}/rotate"));
        Assert.That(rotate.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var replacement = (await rotate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;

        using var withOld = await _provenance.Http.SendAsync(ExporterRequest("POST /api/v1/shipments", exporter.Key));
        using var withNew = await _provenance.Http.SendAsync(ExporterRequest("POST /api/v1/shipments", replacement));
        Assert.That(withOld.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(withNew.StatusCode, Is.EqualTo(HttpStatusCode.Created));

        using var again = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Post, $"admin/exporters/rotating/keys/{exporter.KeyId}/rotate"));
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "a revoked key cannot be rotated again");
    }

    [Test]
    public async Task Should_refuse_a_key_as_soon_as_it_is_revoked()
    {
        var exporter = await ProvenanceAdmin.OnboardAsync(_provenance, "leaving");
        using var before = await _provenance.Http.SendAsync(ExporterRequest("POST /api/v1/shipments", exporter.Key));
        Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        using var revoke = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Delete, $"admin/exporters/leaving/keys/{exporter.KeyId}"));
        Assert.That(revoke.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        using var after = await _provenance.Http.SendAsync(ExporterRequest("POST /api/v1/shipments", exporter.Key));
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Should_validate_a_new_exporter_and_refuse_a_taken_id()
    {
        using var invalid = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Post, "admin/exporters", """{"id":"Bad Id!","name":""}"""));
        Assert.That(invalid.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var errors = (await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.That(errors.EnumerateObject().Select(e => e.Name), Is.EquivalentTo(new[] { "id", "name" }));

        using var list = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Get, "admin/exporters"));
        Assert.That((await list.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Select(e => e.GetProperty("id").GetString()), Does.Contain("acme").And.Contain("rival"));

        using var taken = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Post, "admin/exporters", """{"id":"acme","name":"Acme again"}"""));
        Assert.That(taken.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        using var unknown = await _provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Post, "admin/exporters/nobody/keys"));
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Should_onboard_an_exporter_from_the_command_line()
    {
        var (createCode, created, createError) = await _provenance.RunCommandAsync("exporters", "create", "Kivu Coffee Cooperative", "kivu");
        Assert.That(createCode, Is.Zero, createError);
        Assert.That(JsonDocument.Parse(created).RootElement.GetProperty("id").GetString(), Is.EqualTo("kivu"));

        var (issueCode, issued, issueError) = await _provenance.RunCommandAsync("exporters", "issue-key", "kivu");
        Assert.That(issueCode, Is.Zero, issueError);
        var key = JsonDocument.Parse(issued).RootElement.GetProperty("key").GetString()!;
        using var response = await _provenance.Http.SendAsync(ExporterRequest("POST /api/v1/shipments", key));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), "a key issued on the command line works against the running service");

        var (unknownCode, _, unknownError) = await _provenance.RunCommandAsync("exporters", "issue-key", "nobody");
        Assert.That(unknownCode, Is.EqualTo(1));
        Assert.That(unknownError, Does.Contain("No exporter 'nobody'"));
    }
}

[TestFixture]
[Category("Integration")]
public class When_an_exporter_sends_too_many_requests
{
    [Test]
    public async Task Should_answer_429_with_Retry_After_for_that_key_only()
    {
        await using var database = await Infrastructure.CreateDatabaseAsync();
        await using var virtualHost = await Infrastructure.CreateVirtualHostAsync();
        await using var provenance = await ServiceProcess.StartAsync("Provenance", database, virtualHost,
            new Dictionary<string, string> { ["RateLimit__Burst"] = "5", ["RateLimit__PerSecond"] = "1" });
        var busy = await ProvenanceAdmin.OnboardAsync(provenance, "busy");
        var calm = await ProvenanceAdmin.OnboardAsync(provenance, "calm");

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 12 && limited is null; i++)
        {
            var response = await provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Get, $"api/v1/shipments/{Guid.NewGuid()}", null, busy.Key));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }
        Assert.That(limited, Is.Not.Null, $"no 429 in {string.Join(", ", statuses)}");
        using (limited)
        {
            Assert.That(limited!.Headers.RetryAfter?.Delta, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1)));
            Assert.That(limited.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        }
        using var other = await provenance.Http.SendAsync(ProvenanceAdmin.Request(HttpMethod.Get, $"api/v1/shipments/{Guid.NewGuid()}", null, calm.Key));
        Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "another key has its own bucket");
    }
}
