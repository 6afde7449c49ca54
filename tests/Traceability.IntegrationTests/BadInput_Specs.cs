using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Traceability.IntegrationTests.BadInput;

using Traceability.Hosting;

namespace Traceability.IntegrationTests;

/// <summary>
/// The negative-input harness: every operation of every service, as its OpenAPI document describes it,
/// gets the catalogue in <see cref="BadRequests"/>. What must hold: no 5xx ever; a value wrong under any
/// reading is refused with a 4xx problem detail naming the field, and no row is added anywhere in the
/// database; a probe (a value that may be valid) is accepted or refused naming the field; HEAD works
/// wherever GET does; and the documented example is itself accepted, so the refusals are about the
/// broken field. A service joins by being in <see cref="Services"/>.
/// </summary>
[TestFixture]
[Category("Integration")]
public class When_a_client_sends_bad_input
{
    /// <summary>
    /// The services under the harness: how to start one on a fresh database, which credential each path
    /// takes, and values for path parameters (so the route matches and the body is what is refused).
    /// </summary>
    private static readonly IReadOnlyDictionary<string, Func<TestDatabase, TestVirtualHost, Task<ServiceUnderTest>>> Services =
        new Dictionary<string, Func<TestDatabase, TestVirtualHost, Task<ServiceUnderTest>>>
        {
            ["Provenance"] = StartProvenanceAsync,
            ["Risk"] = StartRiskAsync,
            ["Audits"] = StartAuditsAsync,
            ["Grievances"] = StartGrievancesAsync,
            // The portal's pages are not API operations (its OpenAPI document has none yet); its forms are the browser tests'.
            ["Portal"] = (database, virtualHost) => StartPlainAsync("Portal", database, virtualHost),
            ["Identity"] = StartIdentityAsync,
        };

    public static IEnumerable<string> ServiceNames => Services.Keys;

    /// <param name="Sign">
    /// Signs a request as a gateway would (webhooks are proven by a signature over the body and URL, not a token): called
    /// with each request and its body before the request's own headers are set, so a test of the signature header wins.
    /// </param>
    private sealed record ServiceUnderTest(ServiceProcess Process, Func<string, string?> BearerFor, IReadOnlyDictionary<string, string> PathValues,
        Action<HttpRequestMessage, byte[]?>? Sign = null);

    [Test]
    public void Should_cover_every_service_in_the_repository()
    {
        // A service joins the platform by getting a folder under services/ with a Program.cs; it joins the harness by being in Services.
        var services = Directory.GetDirectories(Path.Combine(Infrastructure.RepositoryRoot, "services"))
            .Where(d => File.Exists(Path.Combine(d, "Program.cs")))
            .Select(Path.GetFileName);
        Assert.That(Services.Keys, Is.EquivalentTo(services));
    }

    [TestCaseSource(nameof(ServiceNames))]
    public async Task Should_refuse_bad_input_with_a_4xx_naming_the_field_and_store_nothing(string service)
    {
        // Each service alone, on its own database and virtual host: nothing else writes while rows are counted.
        await using var database = await Infrastructure.CreateDatabaseAsync();
        await using var virtualHost = await Infrastructure.CreateVirtualHostAsync();
        // Every service's topology step first, as up.sh runs it: the service's events have queues to go to
        // (published mandatory, an event with none would come back and MassTransit would log a failure).
        await Task.WhenAll(Services.Keys.Select(async name =>
        {
            await using var step = ServiceProcess.Create(name, database, virtualHost);
            await step.DeployTopologyAsync();
        }));
        var target = await Services[service](database, virtualHost);
        await using var process = target.Process;
        using var http = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None, MaxConnectionsPerServer = 8 })
        {
            BaseAddress = process.BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
        var document = (await http.GetFromJsonAsync<JsonObject>("openapi/v1.json"))!;
        var operations = OpenApiOperations.Read(document);
        var missingExamples = operations.Where(o => o.TakesBody && o.Example is null).Select(o => o.ToString()).ToList();
        Assert.That(missingExamples, Is.Empty, "Every operation that takes a body documents a valid example (.WithRequestExample).");

        // Every width a text column of the database has: string members are sent at and over each.
        IReadOnlyList<int> limits;
        await using (var connection = database.Open())
        {
            limits = (await connection.QueryAsync<int>("""
                SELECT DISTINCT character_maximum_length FROM information_schema.columns
                WHERE character_maximum_length IS NOT NULL AND table_schema NOT IN ('pg_catalog', 'information_schema')
                ORDER BY 1
                """)).ToList();
        }
        var requests = operations.SelectMany(o => BadRequests.For(o, target.PathValues, limits, target.BearerFor(o.Path) is not null)).ToList();
        var failures = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<int, int>();

        var logBefore = process.Log.Length;
        var before = await database.RowCountsAsync();
        await SendAllAsync(http, target, requests.Where(r => r.MustRefuse), failures, statuses);
        var after = await database.RowCountsAsync();
        foreach (var (table, count) in after.Where(t => before.GetValueOrDefault(t.Key) != t.Value))
        {
            failures.Enqueue($"{table}: {before.GetValueOrDefault(table)} rows before the refused requests, {count} after");
        }

        await SendAllAsync(http, target, requests.Where(r => !r.MustRefuse), failures, statuses);
        foreach (var operation in operations.Where(o => o.TakesBody))
        {
            var valid = BadRequests.Valid(operation, target.PathValues);
            using var response = await SendAsync(http, target, valid);
            if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.Conflict)
            {
                failures.Enqueue($"{valid}: {(int)response.StatusCode} for the documented example: {await response.Content.ReadAsStringAsync()}");
            }
        }

        TestContext.Out.WriteLine($"{service}: {operations.Count} operations, {requests.Count(r => r.MustRefuse)} requests that must be refused, " +
            $"{requests.Count(r => !r.MustRefuse)} probes; answers {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))}");
        Assert.That(failures, Is.Empty, $"{failures.Count} answers broke the rules; the first ones:\n" + string.Join("\n", failures.Take(60)));
        Assert.That(When_a_client_error_is_answered.HttpFailures(process.Log[logBefore..]), Is.Empty, "A client error is never logged as a failure.");
    }

    private static async Task SendAllAsync(HttpClient http, ServiceUnderTest target, IEnumerable<BadRequest> requests, ConcurrentQueue<string> failures,
        ConcurrentDictionary<int, int> statuses) =>
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (request, _) =>
        {
            try
            {
                using var response = await SendAsync(http, target, request);
                statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                var problem = Check(request, response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
                if (problem is not null)
                {
                    failures.Enqueue($"{request}: {problem}");
                }
            }
            catch (HttpRequestException exception)
            {
                failures.Enqueue($"{request}: no answer ({exception.Message})");
            }
        });

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, ServiceUnderTest target, BadRequest request)
    {
        var message = new HttpRequestMessage(new HttpMethod(request.Method ?? request.Operation.Method), new Uri(request.Target.TrimStart('/'), UriKind.Relative));
        if (request.Authorization is { } authorization)
        {
            if (authorization.Length > 0)
            {
                message.Headers.TryAddWithoutValidation("Authorization", authorization);
            }
        }
        else if (target.BearerFor(request.Operation.Path) is { } bearer)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
            if (request.ContentType is not null)
            {
                message.Content.Headers.ContentType = new MediaTypeHeaderValue(request.ContentType);
            }
            // Wait for the server's go-ahead: an oversized body is refused before it is sent.
            message.Headers.ExpectContinue = request.Body.Length > 1024 * 1024;
        }
        target.Sign?.Invoke(message, request.Body);
        foreach (var (name, value) in request.Headers ?? new Dictionary<string, string>())
        {
            if (message.Headers.NonValidated.Contains(name))
            {
                // The signature the gateway's signer put there: the request tests its own.
                message.Headers.Remove(name);
            }
            if (!message.Headers.TryAddWithoutValidation(name, value))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, value);
            }
        }
        return http.SendAsync(message);
    }

    /// <summary>What is wrong with an answer, or null.</summary>
    private static string? Check(BadRequest request, HttpStatusCode status, string? mediaType, string body)
    {
        var code = (int)status;
        if (code >= 500)
        {
            return $"{code}: {Shorten(body)}";
        }
        if (request.Method == "HEAD")
        {
            return code == 405 ? "405: HEAD must be answered wherever GET is" : null;
        }
        if (request.MustRefuse && code is < 400 or >= 500)
        {
            return $"{code}, but this must be refused: {Shorten(body)}";
        }
        if (code < 400)
        {
            return null;
        }
        // Kestrel itself refuses a request line whose path decodes to NUL, before any application code: an empty 400.
        if (code == 400 && body.Length == 0 && request.What.EndsWith(": NUL", StringComparison.Ordinal) && request.What.StartsWith("path ", StringComparison.Ordinal))
        {
            return null;
        }
        if (mediaType != "application/problem+json")
        {
            return $"{code} without a problem detail ({mediaType})";
        }
        // A refused value is named: 400 and 422 say which field. Other refusals (401, 404, 409, 413, 415) are about the request as a whole.
        if (code is 400 or 422 && request.Field is { } field && !Names(body, field))
        {
            return $"{code} does not name {field}: {Shorten(body)}";
        }
        return null;
    }

    // The problem's errors name the field itself, a member inside it, or the object that directly holds it.
    private static bool Names(string body, string field)
    {
        using var problem = JsonDocument.Parse(body);
        if (!problem.RootElement.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Object)
        {
            return false;
        }
        foreach (var key in errors.EnumerateObject().Select(e => e.Name))
        {
            if (key == field || key.StartsWith(field + ".", StringComparison.Ordinal) || key.StartsWith(field + "[", StringComparison.Ordinal)
                || (key != "$" && (field.StartsWith(key + ".", StringComparison.Ordinal) || field.StartsWith(key + "[", StringComparison.Ordinal))
                    && Depth(field) - Depth(key) <= 1))
            {
                return true;
            }
        }
        return false;
    }

    private static int Depth(string path) => path.Count(c => c is '.' or '[');

    private static string Shorten(string text) => text.Length > 300 ? text[..300] + "…" : text;

    /// <summary>A service whose paths take the token <paramref name="bearerFor"/> gives (none: anonymous).</summary>
    private static async Task<ServiceUnderTest> StartPlainAsync(string service, TestDatabase database, TestVirtualHost virtualHost,
        Func<string, string?>? bearerFor = null) =>
        new(await ServiceProcess.StartAsync(service, database, virtualHost), bearerFor ?? (_ => null), new Dictionary<string, string>());

    private static async Task<ServiceUnderTest> StartAuditsAsync(TestDatabase database, TestVirtualHost virtualHost)
    {
        var process = await ServiceProcess.StartAsync("Audits", database, virtualHost, new Dictionary<string, string>
        {
            ["Certificates__VerificationBurst"] = "1000000",
            ["Certificates__VerificationPerSecond"] = "1000000",
        });
        // One token with every role Audits admits, for the auditor the examples name: who may do what is Audits_Specs' matter.
        var token = TestIssuer.Shared.Mint("bad-input-user", [Roles.Admin, Roles.Certifier, Roles.Auditor], auditorId: "ama-mensah");
        using var http = TestIssuer.Shared.ClientFor(process, "bad-input-user", [Roles.Admin, Roles.Certifier, Roles.Auditor], "ama-mensah");
        async Task<JsonElement> CreatedAsync(string path, string json)
        {
            using var response = await http.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }
        // The examples' auditor, certificate and audit exist, so that the paths that name them match and their examples are accepted.
        await CreatedAsync("api/v1/auditors", Traceability.Audits.Features.RegisterAuditors.AuditorsEndpoint.Example);
        await CreatedAsync("api/v1/certificates", Traceability.Audits.Features.Certificates.CertificatesEndpoint.Example);
        var audit = await CreatedAsync("api/v1/audits", Traceability.Audits.Features.SubmitAudit.AuditsEndpoint.Example);
        return new ServiceUnderTest(
            process,
            // The public verification endpoint takes no credential.
            path => path == "/api/v1/certificates/{scheme}/{number}" ? null : token,
            new Dictionary<string, string>
            {
                ["auditorId"] = "ama-mensah",
                ["id"] = audit.GetProperty("id").GetString()!,
                ["scheme"] = "rainforest-alliance",
                ["number"] = "RA-CERT-2026-0042",
            });
    }

    private static async Task<ServiceUnderTest> StartGrievancesAsync(TestDatabase database, TestVirtualHost virtualHost)
    {
        // The caseworker API needs a case to act on. The gateways' webhooks take no token: each request is signed as the
        // gateway signs it (Twilio over the public URL and the form, the generic gateway over the body), the Africa's Talking
        // path takes its secret and the named Twilio account is one configured here.
        var settings = Grievances.GrievancesPlatform.Settings();
        settings["Sms__Twilio__Accounts__harness__AuthToken"] = Grievances.GrievancesPlatform.TwilioToken;
        settings["Sms__Twilio__Accounts__harness__WebhookUrl"] = Grievances.GrievancesPlatform.PublicBaseUrl + "/sms/twilio/inbound/harness";
        var process = await ServiceProcess.StartAsync("Grievances", database, virtualHost, settings);
        var caseId = await Grievances.GrievancesPlatform.SeedCaseAsync(database);
        var token = TestIssuer.Shared.Mint("bad-input-caseworker", [Roles.Caseworker]);
        return new ServiceUnderTest(process, path => path.StartsWith("/sms/", StringComparison.Ordinal) ? null : token,
            new Dictionary<string, string>
            {
                ["id"] = caseId.ToString(), ["account"] = "harness", ["secret"] = Grievances.GrievancesPlatform.AfricasTalkingSecret,
            },
            (message, body) => Grievances.GrievancesPlatform.SignAsGateway(message, new Uri(process.BaseAddress, message.RequestUri!), body));
    }

    private static async Task<ServiceUnderTest> StartIdentityAsync(TestDatabase database, TestVirtualHost virtualHost)
    {
        var process = await Platform.StartIdentityAsync(database, virtualHost);
        var created = await IdentityAccounts.CreateAsync(process, "bad-input@example.org", [Roles.Caseworker]);
        return new ServiceUnderTest(process, _ => ServiceProcess.AdminKey, new Dictionary<string, string> { ["userId"] = created.Id });
    }

    private static async Task<ServiceUnderTest> StartRiskAsync(TestDatabase database, TestVirtualHost virtualHost)
    {
        var process = await ServiceProcess.StartAsync("Risk", database, virtualHost);
        // A flag to work (cocoa from Ghana is on the DOL list) and an auditor accredited where it is, both over the bus.
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var shipment = Guid.NewGuid();
        await TestBus.PublishAsync(virtualHost,
            new Traceability.Contracts.Provenance.ShipmentRecorded
            {
                EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = DateTime.UtcNow, ShipmentId = shipment, HsCode = "180100", Commodity = "Cocoa",
                OriginCountry = "GH", Quantity = 1, Unit = "t", ShipDate = today,
            },
            new Traceability.Contracts.Audits.AuditorAccreditationChanged
            {
                EventId = Guid.NewGuid(), TenantId = "audits", OccurredAt = DateTime.UtcNow, AuditorId = "aud-1", Revision = 1, Name = "A. Auditor", Level = "RA",
                Status = "active", Accreditations = [new() { Scheme = "Fairtrade", Countries = ["GH"], ValidFrom = today.AddYears(-1), ValidTo = today.AddYears(1) }],
            });
        await Probe.UntilAsync(async () => await database.ScalarAsync<long>("SELECT count(*) FROM risk.auditor") == 1
            && await database.ScalarAsync<long>("SELECT count(*) FROM risk.flag") == 1, TimeSpan.FromSeconds(30), "Risk keeps the auditor and flags the shipment");
        var flag = await database.ScalarAsync<Guid>("SELECT id FROM risk.flag");
        return new(process, _ => TestIssuer.Shared.Mint("bad-input-admin", [Roles.Admin]), new Dictionary<string, string> { ["id"] = flag.ToString() });
    }

    private static async Task<ServiceUnderTest> StartProvenanceAsync(TestDatabase database, TestVirtualHost virtualHost)
    {
        // The harness sends a few thousand requests with one key: the rate limit is not what is tested here.
        var process = await ServiceProcess.StartAsync("Provenance", database, virtualHost, new Dictionary<string, string>
        {
            ["RateLimit__Burst"] = "1000000",
            ["RateLimit__PerSecond"] = "1000000",
        });
        var acme = await ProvenanceAdmin.OnboardAsync(process, "acme");
        async Task<string> CreatedAsync(string path, string json, string mediaType)
        {
            var request = ProvenanceAdmin.Request(HttpMethod.Post, path, json, acme.Key);
            request.Content!.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            using var response = await process.Http.SendAsync(request);
            Assert.That((int)response.StatusCode, Is.AnyOf(201, 202), await response.Content.ReadAsStringAsync());
            return response.Headers.Location!.ToString().Split('/')[^1];
        }
        var facility = await CreatedAsync("api/v1/facilities", """{"gln":"7594567000014","name":"Farm","country":"GH","type":"farm"}""", "application/json");
        var capture = await CreatedAsync("epcis/capture", """
            {"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0",
             "creationDate":"2026-11-02T10:00:00Z","epcisBody":{"eventList":[{"type":"ObjectEvent","eventID":"urn:uuid:0b9e7c5a-2f5e-4b44-8c53-4f0f4b0d2b71",
             "eventTime":"2026-11-02T09:00:00Z","eventTimeZoneOffset":"+00:00","action":"OBSERVE","bizStep":"receiving",
             "epcList":["urn:epc:id:sgtin:0614141.107346.2018"]}]}}
            """, "application/ld+json");
        return new ServiceUnderTest(
            process,
            path => path.StartsWith("/admin", StringComparison.Ordinal) ? ServiceProcess.AdminKey : acme.Key,
            new Dictionary<string, string>
            {
                ["id"] = facility,
                ["exporterId"] = "acme",
                ["keyId"] = Guid.NewGuid().ToString(),
                ["captureId"] = capture,
                ["eventId"] = Uri.EscapeDataString("urn:uuid:0b9e7c5a-2f5e-4b44-8c53-4f0f4b0d2b71"),
            });
    }
}
