using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;
using Traceability.Hosting;
using Traceability.IntegrationTests.BadInput;

namespace Traceability.IntegrationTests;

/// <summary>
/// Who may call what, on every service: each operation of each service's OpenAPI document (so a new
/// endpoint is covered the day it is written) must have a row in <see cref="Table"/> (the first that matches counts), and gets a token
/// that is missing, expired, wrongly signed, for another audience, of a role the row does not admit
/// (401 or 403, nothing written), and of each role it admits (let through).
/// </summary>
[TestFixture]
[Category("Integration")]
public class When_every_endpoint_is_called_with_every_kind_of_token
{
    /// <summary>
    /// How an operation is opened: by roles in a token, the admin key, an exporter's API key, for anyone (public), or by a
    /// gateway's signature or path secret (the SMS webhooks: no token opens them, an unsigned call is 403).
    /// </summary>
    private sealed record Access(string Service, string Method, string Path, string[] Roles, bool AdminKey = false, bool ExporterKey = false, bool Public = false,
        bool Signed = false)
    {
        public bool Matches(string service, Operation operation) =>
            service == Service && (Method == "*" || Method == operation.Method) &&
            (Path.EndsWith('*') ? operation.Path.StartsWith(Path[..^1], StringComparison.Ordinal) : operation.Path == Path);
    }

    /// <summary>
    /// The access table (README, "Sign in"): one row per path (a trailing * covers what starts so). An
    /// operation without a row fails the test: add its row when adding the endpoint.
    /// </summary>
    private static readonly Access[] Table =
    [
        new("Provenance", "*", "/admin/*", [Roles.Admin], AdminKey: true),
        new("Provenance", "*", "/api/v1/*", [], ExporterKey: true),
        new("Provenance", "*", "/epcis/*", [], ExporterKey: true),
        // Lists, reads and case steps: each answers only what the caller's scope holds (404 for the rest).
        new("Risk", "*", "/api/v1/flags*", [Roles.Auditor, Roles.Caseworker, Roles.Admin]),
        new("Risk", "GET", "/api/v1/facilities/{key}/risk", [Roles.Auditor, Roles.Caseworker, Roles.Admin]),
        new("Risk", "GET", "/api/v1/shipments/{id}", [Roles.Auditor, Roles.Caseworker, Roles.Admin]),
        new("Audits", "POST", "/api/v1/auditors", [Roles.Certifier, Roles.Admin]),
        new("Audits", "PUT", "/api/v1/auditors/{auditorId}", [Roles.Certifier, Roles.Admin]),
        new("Audits", "GET", "/api/v1/auditors", [Roles.Certifier, Roles.Admin]),
        // An auditor reads their own record (another's answers 404).
        new("Audits", "GET", "/api/v1/auditors/{auditorId}", [Roles.Certifier, Roles.Admin, Roles.Auditor]),
        new("Audits", "POST", "/api/v1/audits", [Roles.Auditor]),
        new("Audits", "POST", "/api/v1/audits/{id}/findings", [Roles.Auditor]),
        new("Audits", "GET", "/api/v1/audits/{id}", [Roles.Auditor, Roles.Certifier, Roles.Admin]),
        new("Audits", "POST", "/api/v1/certificates", [Roles.Certifier, Roles.Admin]),
        new("Audits", "POST", "/api/v1/certificates/{scheme}/{number}/status", [Roles.Certifier, Roles.Admin]),
        new("Audits", "GET", "/api/v1/certificates/{scheme}/{number}/history", [Roles.Certifier, Roles.Admin]),
        new("Audits", "GET", "/api/v1/certificates/{scheme}/{number}", [], Public: true),
        new("Audits", "GET", "/api/v1/finding-codes", [.. Roles.All]),
        new("Audits", "GET", "/api/v1/facilities/{key}/*", [Roles.Auditor, Roles.Certifier, Roles.Admin]),
        // Only a caseworker may ever see a worker's contact.
        new("Grievances", "POST", "/api/v1/cases/{id}/reveal-contact", [Roles.Caseworker]),
        new("Grievances", "*", "/api/v1/cases*", [Roles.Caseworker, Roles.Admin]),
        new("Grievances", "GET", "/api/v1/grievance-counts", [Roles.Caseworker, Roles.Admin, Roles.Auditor, Roles.Certifier]),
        new("Grievances", "GET", "/api/v1/facilities/{id}/poster.svg", [Roles.Caseworker, Roles.Admin]),
        new("Grievances", "POST", "/sms/*", [], Signed: true),
        new("Identity", "*", "/admin/users*", [Roles.Admin], AdminKey: true),
    ];

    private const int ClockSkewSeconds = 5;

    private TestDatabase _database = null!;
    private TestVirtualHost _virtualHost = null!;
    private readonly Dictionary<string, ServiceProcess> _services = [];
    private string _exporterKey = "";

    private static IEnumerable<string> ServiceNames() =>
        Directory.GetDirectories(Path.Combine(Infrastructure.RepositoryRoot, "services"))
            .Where(d => File.Exists(Path.Combine(d, "Program.cs"))).Select(Path.GetFileName).OfType<string>().Order();

    [OneTimeSetUp]
    public async Task StartEveryService()
    {
        _database = await Infrastructure.CreateDatabaseAsync();
        _virtualHost = await Infrastructure.CreateVirtualHostAsync();
        await Task.WhenAll(ServiceNames().Select(async name =>
        {
            await using var step = ServiceProcess.Create(name, _database, _virtualHost);
            await step.DeployTopologyAsync();
        }));
        // Every service trusts the test's issuer, with the clock skew set explicitly.
        var started = await Task.WhenAll(ServiceNames().Select(name =>
        {
            // Grievances cannot start without its privacy keys.
            var settings = name == "Grievances" ? Grievances.GrievancesPlatform.Settings() : [];
            settings["Auth__ClockSkewSeconds"] = ClockSkewSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return ServiceProcess.StartAsync(name, _database, _virtualHost, settings);
        }));
        foreach (var service in started)
        {
            _services[service.Service] = service;
        }
        _exporterKey = (await ProvenanceAdmin.OnboardAsync(_services["Provenance"], "matrix")).Key;
    }

    [OneTimeTearDown]
    public async Task StopEveryService()
    {
        foreach (var service in _services.Values)
        {
            await service.DisposeAsync();
        }
        await _database.DisposeAsync();
        await _virtualHost.DisposeAsync();
    }

    [Test]
    public async Task Should_refuse_every_wrong_token_with_401_or_403_write_nothing_and_let_each_admitted_role_through()
    {
        var issuer = TestIssuer.Shared;
        var strangerKey = new RsaSecurityKey(RSA.Create(2048)) { KeyId = Guid.NewGuid().ToString("N") };
        var failures = new List<string>();
        var refusals = new List<(string Service, Operation Operation, string What, string? Bearer, HttpStatusCode Expected)>();
        var admissions = new List<(string Service, Operation Operation, string What, string? Bearer)>();
        var counted = 0;
        foreach (var (name, service) in _services.OrderBy(s => s.Key))
        {
            var document = (await service.Http.GetFromJsonAsync<JsonObject>("openapi/v1.json"))!;
            foreach (var operation in OpenApiOperations.Read(document))
            {
                counted++;
                // The first row that matches: a path's own row stands before the row for what starts like it.
                if (Table.FirstOrDefault(row => row.Matches(name, operation)) is not { } access)
                {
                    failures.Add($"{name} {operation}: no row in the access table; add one");
                    continue;
                }
                if (access.Signed)
                {
                    // Signed by the gateway, not by a token: none of these is the gateway's signature.
                    refusals.Add((name, operation, "no token", null, HttpStatusCode.Forbidden));
                    refusals.AddRange(Roles.All.Select(role => (name, operation, $"role {role}", (string?)issuer.Mint("matrix", [role]), HttpStatusCode.Forbidden)));
                    continue;
                }
                if (access.Public)
                {
                    admissions.Add((name, operation, "no token", null));
                    admissions.AddRange(Roles.All.Select(role => (name, operation, $"role {role}", (string?)issuer.Mint("matrix", [role]))));
                    continue;
                }
                var someRole = access.Roles.FirstOrDefault() ?? Roles.Admin;
                refusals.Add((name, operation, "no token", null, HttpStatusCode.Unauthorized));
                refusals.Add((name, operation, "expired token", issuer.Mint("matrix", [someRole], lifetime: TimeSpan.FromMinutes(1),
                    issuedAt: DateTime.UtcNow.AddSeconds(-60 - 60 - ClockSkewSeconds)), HttpStatusCode.Unauthorized));
                refusals.Add((name, operation, "wrong signature", issuer.Mint("matrix", [someRole], signingKey: strangerKey), HttpStatusCode.Unauthorized));
                refusals.Add((name, operation, "wrong audience", issuer.Mint("matrix", [someRole], audience: "another-api"), HttpStatusCode.Unauthorized));
                foreach (var role in Roles.All.Except(access.Roles))
                {
                    // A token is no API key: on key-only paths every role is 401; where roles are checked, a wrong one is 403.
                    refusals.Add((name, operation, $"role {role}", issuer.Mint("matrix", [role], role == Roles.Auditor ? "apsca-1" : null),
                        access.Roles.Length > 0 ? HttpStatusCode.Forbidden : HttpStatusCode.Unauthorized));
                }
                foreach (var role in access.Roles)
                {
                    admissions.Add((name, operation, $"role {role}", issuer.Mint("matrix", [role], role == Roles.Auditor ? "apsca-1" : null)));
                }
                if (access.AdminKey)
                {
                    admissions.Add((name, operation, "admin key", ServiceProcess.AdminKey));
                }
                if (access.ExporterKey)
                {
                    admissions.Add((name, operation, "exporter key", _exporterKey));
                }
            }
        }

        var before = await _database.RowCountsAsync();
        foreach (var (name, operation, what, bearer, expected) in refusals)
        {
            using var response = await SendAsync(_services[name], operation, bearer);
            if (response.StatusCode != expected)
            {
                failures.Add($"{name} {operation} with {what}: {(int)response.StatusCode}, expected {(int)expected}");
            }
        }
        var after = await _database.RowCountsAsync();
        failures.AddRange(after.Where(t => before.GetValueOrDefault(t.Key) != t.Value)
            .Select(t => $"{t.Key}: {before.GetValueOrDefault(t.Key)} rows before the refused requests, {t.Value} after"));

        foreach (var (name, operation, what, bearer) in admissions)
        {
            using var response = await SendAsync(_services[name], operation, bearer);
            // Let through: anything but 401, and no 403 but a refusal with its reason inside the role (Audits: outside the auditor's accreditation).
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.Unauthorized || (response.StatusCode == HttpStatusCode.Forbidden && !body.Contains("\"reason\"", StringComparison.Ordinal)))
            {
                failures.Add($"{name} {operation} with {what}: {(int)response.StatusCode}, but this credential is admitted");
            }
        }
        TestContext.Out.WriteLine($"{counted} operations on {_services.Count} services: {refusals.Count} refusals, {admissions.Count} admissions checked");
        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    private static async Task<HttpResponseMessage> SendAsync(ServiceProcess service, Operation operation, string? bearer)
    {
        var values = operation.Parameters.Where(p => p.In == "path")
            .ToDictionary(p => p.Name, p => p.Format == "uuid" ? Guid.NewGuid().ToString() : "matrix-unknown");
        var valid = operation.TakesBody && operation.Example is not null ? BadRequests.Valid(operation, values) : null;
        var target = valid?.Target ?? System.Text.RegularExpressions.Regex.Replace(operation.Path, @"\{\*{0,2}([^}:]+)[^}]*\}", m => values[m.Groups[1].Value]);
        using var request = new HttpRequestMessage(new HttpMethod(operation.Method), target.TrimStart('/'));
        if (valid?.Body is { } body)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(valid.ContentType!);
        }
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        return await service.Http.SendAsync(request);
    }
}
