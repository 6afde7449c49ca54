using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Traceability.Contracts.Audits;
using Traceability.Hosting;
using Traceability.Risk.Flags;
using Traceability.Risk.Rules;

namespace Traceability.IntegrationTests;

/// <summary>
/// Who sees and works which flag, on Risk as a process: accreditations arrive as Audits' events over the real bus,
/// flags are raised through the flag book on the same database; then every caller × every flag × list / get / act.
/// </summary>
[TestFixture]
[Category("Integration")]
public class When_people_work_flags_inside_their_scope
{
    private RiskAlone _platform = null!;
    private TestDatabase _database = null!;
    private TestVirtualHost _virtualHost = null!;
    private ServiceProcess _risk = null!;
    private TestFlagBook _flags = null!;
    private readonly Dictionary<string, Guid> _flag = [];
    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.UtcNow);

    // Who may see which of the flags below.
    private static readonly Dictionary<string, string[]> Sees = new()
    {
        ["admin"] = ["bd-smeta", "bd-shipment", "bd-grievance", "in-sa8000"],
        ["caseworker"] = ["bd-grievance"],
        ["aud-bd"] = ["bd-smeta", "bd-shipment", "bd-grievance"],
        ["aud-in"] = ["in-sa8000"],
        ["aud-bd-cotton-sa8000"] = ["bd-grievance"],
        ["aud-expired"] = [],
        ["aud-suspended"] = [],
        ["auditor-without-id"] = [],
    };

    [OneTimeSetUp]
    public async Task Start()
    {
        _platform = await RiskAlone.StartAsync();
        (_database, _virtualHost, _risk) = (_platform.Database, _platform.VirtualHost, _platform.Risk);
        // Low flags are overdue for assignment at once: the overdue list has something to show without waiting.
        _flags = new TestFlagBook(_database.ConnectionString, RuleCatalog.LoadShipped(new Dictionary<string, string?> { ["Risk:Sla:low:Assign"] = "00:00:00.001" }));

        await TestBus.PublishAsync(_virtualHost,
            Auditor("aud-bd", "active", new Accreditation { Scheme = "SMETA", Countries = ["BD", "LK"], ValidFrom = Today.AddYears(-1), ValidTo = Today.AddYears(1) }),
            Auditor("aud-in", "active", new Accreditation { Scheme = "SA8000", Countries = ["IN"], ValidFrom = Today.AddYears(-1), ValidTo = Today.AddYears(1) }),
            Auditor("aud-bd-cotton-sa8000", "active", new Accreditation { Scheme = "SA8000", Countries = ["BD"], HsChapters = ["52"], ValidFrom = Today.AddYears(-1), ValidTo = Today.AddYears(1) }),
            Auditor("aud-expired", "active", new Accreditation { Scheme = "SMETA", Countries = ["BD"], ValidFrom = Today.AddYears(-3), ValidTo = Today.AddDays(-1) }),
            Auditor("aud-suspended", "suspended", new Accreditation { Scheme = "SMETA", Countries = ["BD"], ValidFrom = Today.AddYears(-1), ValidTo = Today.AddYears(1) }),
            // An older revision arriving late changes nothing.
            Auditor("aud-in", "active", new Accreditation { Scheme = "SA8000", Countries = ["BD"], ValidFrom = Today.AddYears(-1), ValidTo = Today.AddYears(1) }) with { Revision = 1 });
        await Probe.UntilAsync(async () => await _database.ScalarAsync<long>("SELECT count(*) FROM risk.inbox_message WHERE consumer = 'risk.keep-auditor-scope'") == 6,
            TimeSpan.FromSeconds(30), "Risk keeps the six accreditation messages");

        _flag["bd-smeta"] = await RaiseAsync("test-zero-tolerance", FlagSubject.Facility("5012345678900"), new FlagScope("BD", null, "SMETA"), Severity.Critical,
            new FlagEvidence("finding:1", EvidenceSource.Audit));
        _flag["bd-shipment"] = await RaiseAsync("test-dol", FlagSubject.Shipment(Guid.NewGuid()), new FlagScope("BD", "61"), Severity.High,
            new FlagEvidence("shipment:1", EvidenceSource.Provenance));
        _flag["bd-grievance"] = await RaiseAsync("test-grievance", FlagSubject.Facility("5012345678917"), new FlagScope("BD"), Severity.Low,
            new FlagEvidence($"grievance:{Guid.NewGuid()}", EvidenceSource.Grievance));
        _flag["in-sa8000"] = await RaiseAsync("test-zero-tolerance", FlagSubject.Facility("8901234567894"), new FlagScope("IN", null, "SA8000"), Severity.Medium,
            new FlagEvidence("finding:2", EvidenceSource.Audit));
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _flags?.Dispose();
        await _platform.DisposeAsync();
    }

    private static AuditorAccreditationChanged Auditor(string id, string status, params Accreditation[] accreditations) => new()
    {
        EventId = Guid.NewGuid(), TenantId = AuditsTenant.Id, OccurredAt = DateTime.UtcNow, AuditorId = id, Revision = 2,
        Name = id, Level = "RA", Status = status, Accreditations = accreditations,
    };

    private async Task<Guid> RaiseAsync(string rule, FlagSubject subject, FlagScope scope, string severity, params FlagEvidence[] evidence)
    {
        await _flags.RaiseAsync(new FlagSignal
        {
            RuleId = rule, RuleVersion = 1, Severity = severity, Subject = subject, TenantId = "acme", Scope = scope,
            Explanation = $"{rule} at {subject.Id}.", Evidence = evidence,
        });
        return await _database.ScalarAsync<Guid>("SELECT id FROM risk.flag WHERE rule_id = @Rule AND subject_id = @Subject", new { Rule = rule, Subject = subject.Id });
    }

    private HttpClient As(string who) => who switch
    {
        "admin" => TestIssuer.Shared.ClientFor(_risk, "admin-1", [Roles.Admin]),
        "caseworker" => TestIssuer.Shared.ClientFor(_risk, "case-1", [Roles.Caseworker]),
        "auditor-without-id" => TestIssuer.Shared.ClientFor(_risk, "someone", [Roles.Auditor]),
        _ => TestIssuer.Shared.ClientFor(_risk, $"user-{who}", [Roles.Auditor], who),
    };

    private static async Task<HttpResponseMessage> Step(HttpClient http, Guid flag, string action, object body) =>
        await http.PostAsJsonAsync($"api/v1/flags/{flag}/{action}", body);

    private async Task<(int Version, long History)> StateOf(Guid flag) => (
        await _database.ScalarAsync<int>("SELECT version FROM risk.flag WHERE id = @Id", new { Id = flag }),
        await _database.ScalarAsync<long>("SELECT count(*) FROM risk.flag_history WHERE flag_id = @Id", new { Id = flag }));

    [Test]
    public async Task Should_show_each_caller_only_the_flags_in_their_scope_and_answer_404_for_the_rest()
    {
        foreach (var (who, sees) in Sees)
        {
            using var http = As(who);
            var page = await http.GetFromJsonAsync<JsonElement>("api/v1/flags?pageSize=500");
            var listed = page.GetProperty("items").EnumerateArray().Select(f => f.GetProperty("id").GetGuid()).ToHashSet();
            Assert.That(listed, Is.EquivalentTo(sees.Select(s => _flag[s])), $"{who} lists");
            Assert.That(page.GetProperty("total").GetInt64(), Is.EqualTo(sees.Length), $"{who} counts");
            foreach (var (name, id) in _flag)
            {
                var before = await StateOf(id);
                using var get = await http.GetAsync($"api/v1/flags/{id}");
                if (sees.Contains(name))
                {
                    Assert.That(get.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{who} opens {name}");
                }
                else
                {
                    using var act = await Step(http, id, "escalate", new { version = before.Version, reason = "scope test" });
                    Assert.That((get.StatusCode, act.StatusCode), Is.EqualTo((HttpStatusCode.NotFound, HttpStatusCode.NotFound)), $"{who} may not see {name}");
                    Assert.That(await StateOf(id), Is.EqualTo(before), $"{who}'s refused step on {name} changed nothing");
                }
            }
        }
    }

    [TestCase("admin", "country=BD", new[] { "bd-grievance", "bd-shipment", "bd-smeta" })]
    [TestCase("admin", "country=IN", new[] { "in-sa8000" })]
    [TestCase("aud-bd", "country=BD", new[] { "bd-grievance", "bd-shipment", "bd-smeta" })]
    [TestCase("aud-bd", "country=IN", new string[0])]
    [TestCase("aud-in", "country=BD", new string[0])]
    [TestCase("admin", "sort=-severity", new[] { "bd-smeta", "bd-shipment", "in-sa8000", "bd-grievance" })]
    [TestCase("admin", "sort=severity", new[] { "bd-grievance", "in-sa8000", "bd-shipment", "bd-smeta" })]
    [TestCase("admin", "sort=raised", new[] { "bd-smeta", "bd-shipment", "bd-grievance", "in-sa8000" })]
    [TestCase("admin", "sort=-raised", new[] { "in-sa8000", "bd-grievance", "bd-shipment", "bd-smeta" })]
    [TestCase("admin", "sort=due", new[] { "bd-grievance", "bd-smeta", "bd-shipment", "in-sa8000" })]
    [TestCase("admin", "sort=-due", new[] { "in-sa8000", "bd-shipment", "bd-smeta", "bd-grievance" })]
    [TestCase("aud-bd", "sort=-severity", new[] { "bd-smeta", "bd-shipment", "bd-grievance" })]
    [TestCase("aud-bd", "sort=raised&country=BD", new[] { "bd-smeta", "bd-shipment", "bd-grievance" })]
    [TestCase("aud-bd-cotton-sa8000", "sort=-severity&country=BD", new[] { "bd-grievance" })]
    public async Task Should_filter_by_country_and_sort_inside_the_callers_scope(string who, string query, string[] expected)
    {
        using var http = As(who);
        // Flags other tests of this fixture raise are left out; the order of this fixture's own flags is what is checked.
        var ids = (await http.GetFromJsonAsync<JsonElement>($"api/v1/flags?pageSize=500&{query}")).GetProperty("items").EnumerateArray()
            .Select(f => f.GetProperty("id").GetGuid()).Where(_flag.ContainsValue).ToList();
        Assert.That(ids, Is.EqualTo(expected.Select(name => _flag[name])), query);
        // Page by page in the same order: each page starts where the last ended (an auditor's cells each give their first rows).
        var paged = new List<Guid>();
        for (var page = 1; page <= 6; page++)
        {
            paged.AddRange((await http.GetFromJsonAsync<JsonElement>($"api/v1/flags?pageSize=1&page={page}&{query}")).GetProperty("items").EnumerateArray()
                .Select(f => f.GetProperty("id").GetGuid()).Where(_flag.ContainsValue));
        }
        Assert.That(paged.Take(expected.Length), Is.EqualTo(ids), $"{query}, one per page");
    }

    [TestCase("country=bd", "country")]
    [TestCase("country=XX", "country")]
    [TestCase("country=BGD", "country")]
    [TestCase("sort=name", "sort")]
    [TestCase("sort=Severity", "sort")]
    public async Task Should_answer_400_naming_the_field_for_a_bad_country_or_sort(string query, string field)
    {
        using var http = As("admin");
        using var response = await http.GetAsync($"api/v1/flags?{query}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(problem.GetProperty("errors").TryGetProperty(field, out _), Is.True, problem.ToString());
    }

    [Test]
    public async Task Should_refuse_callers_without_a_token_or_a_role_that_works_flags()
    {
        var id = _flag["bd-smeta"];
        var before = await StateOf(id);
        using var anonymous = new HttpClient { BaseAddress = _risk.BaseAddress };
        using var exporterKey = new HttpClient { BaseAddress = _risk.BaseAddress };
        exporterKey.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "trc_abcdefghijkl_" + new string('x', 32));
        using var certifier = TestIssuer.Shared.ClientFor(_risk, "cert-1", [Roles.Certifier]);
        foreach (var (who, http, expected) in new[] { ("no token", anonymous, HttpStatusCode.Unauthorized), ("exporter key", exporterKey, HttpStatusCode.Unauthorized), ("certifier", certifier, HttpStatusCode.Forbidden) })
        {
            using var list = await http.GetAsync("api/v1/flags");
            using var get = await http.GetAsync($"api/v1/flags/{id}");
            using var act = await Step(http, id, "escalate", new { version = before.Version });
            Assert.That(new[] { list.StatusCode, get.StatusCode, act.StatusCode }, Has.All.EqualTo(expected), who);
        }
        Assert.That(await StateOf(id), Is.EqualTo(before));
    }

    [Test]
    public async Task Should_take_a_flag_from_open_to_resolved_step_by_step_with_history_and_events()
    {
        var id = await RaiseAsync("test-workflow", FlagSubject.Facility("5012345678924"), new FlagScope("BD", null, "SMETA"), Severity.High,
            new FlagEvidence("finding:w", EvidenceSource.Audit));
        using var auditor = As("aud-bd");
        using var admin = As("admin");

        using (var outOfScope = await Step(admin, id, "assign", new { assignee = "aud-in", version = 1 }))
        {
            Assert.That(outOfScope.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity), "aud-in is not accredited in Bangladesh");
        }
        using (var other = await Step(auditor, id, "assign", new { assignee = "aud-bd-cotton-sa8000", version = 1 }))
        {
            Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "an auditor assigns only themselves");
        }
        using (var early = await Step(auditor, id, "start", new { version = 1 }))
        {
            Assert.That(early.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "an open flag is not started before it is assigned");
        }
        using (var assigned = await Step(auditor, id, "assign", new { assignee = "aud-bd", version = 1, reason = "my region" }))
        {
            Assert.That(assigned.StatusCode, Is.EqualTo(HttpStatusCode.OK), await assigned.Content.ReadAsStringAsync());
            var flag = await assigned.Content.ReadFromJsonAsync<JsonElement>();
            Assert.That((flag.GetProperty("status").GetString(), flag.GetProperty("assignee").GetString(), flag.GetProperty("version").GetInt32()), Is.EqualTo(("assigned", "aud-bd", 2)));
        }
        using (var stale = await Step(auditor, id, "start", new { version = 1 }))
        {
            Assert.That(stale.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "the version read before the assignment is stale");
        }
        using (var started = await Step(auditor, id, "start", new { version = 2, note = "Visiting on Monday.\nWith an interpreter." }))
        {
            Assert.That(started.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
        // Two people resolve at once from the same version: one wins, the other gets 409 and changes nothing.
        var answers = await Task.WhenAll(
            Step(auditor, id, "resolve", new { resolution = "remediated", version = 3, reason = "passports returned" }),
            Step(admin, id, "resolve", new { resolution = "dismissed", version = 3 }));
        Assert.That(answers.Select(a => a.StatusCode), Is.EquivalentTo(new[] { HttpStatusCode.OK, HttpStatusCode.Conflict }));
        foreach (var answer in answers)
        {
            answer.Dispose();
        }
        using (var reopened = await Step(admin, id, "reopen", new { version = 4, reason = "new evidence" }))
        {
            Assert.That(reopened.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var detail = await admin.GetFromJsonAsync<JsonElement>($"api/v1/flags/{id}");
        var history = detail.GetProperty("history").EnumerateArray().ToList();
        Assert.That(history.Select(h => h.GetProperty("action").GetString()), Is.EqualTo(new[] { "raised", "assigned", "started", "resolved", "reopened" }));
        Assert.That(history.Select(h => h.GetProperty("actor").GetString()), Is.EqualTo(new[] { "risk", "auditor:aud-bd", "auditor:aud-bd", history[3].GetProperty("actor").GetString(), "admin-1" }));
        Assert.That(history[2].GetProperty("note").GetString(), Is.EqualTo("Visiting on Monday.\nWith an interpreter."));
        Assert.That(detail.GetProperty("flag").GetProperty("status").GetString(), Is.EqualTo("open"));
        Assert.That(await _database.ScalarAsync<long>("SELECT count(*) FROM risk.outbox_message WHERE message_type LIKE '%FlagStatusChanged%' AND body LIKE @Id",
            new { Id = $"%{id}%" }), Is.EqualTo(4), "one FlagStatusChanged per step");
    }

    [Test]
    public async Task Should_list_flags_past_their_clock_as_overdue()
    {
        using var admin = As("admin");
        var overdue = await admin.GetFromJsonAsync<JsonElement>("api/v1/flags/overdue");
        var ids = overdue.GetProperty("items").EnumerateArray().Select(f => f.GetProperty("id").GetGuid()).ToList();
        Assert.That(ids, Does.Contain(_flag["bd-grievance"]), "a low flag is overdue for assignment at once in this fixture");
        Assert.That(ids, Does.Not.Contain(_flag["bd-smeta"]));
        Assert.That(overdue.GetProperty("items").EnumerateArray().Select(f => f.GetProperty("overdue").GetBoolean()), Has.All.True);
        using var caseworker = As("caseworker");
        var theirs = await caseworker.GetFromJsonAsync<JsonElement>("api/v1/flags/overdue");
        Assert.That(theirs.GetProperty("items").EnumerateArray().Select(f => f.GetProperty("id").GetGuid()), Is.EqualTo(new[] { _flag["bd-grievance"] }));
    }
}
