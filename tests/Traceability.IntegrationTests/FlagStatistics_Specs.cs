using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Traceability.Hosting;
using Traceability.Risk.Flags;

namespace Traceability.IntegrationTests;

/// <summary>
/// The dashboard's figures from Risk (<c>GET /api/v1/flags/statistics</c>), on Risk as a process: each caller counts only
/// the flags they may list, open flags by severity, rule and country, and the times to assign and to resolve of the
/// flags raised in the window as nearest-rank percentiles. The flags are worked through the API; their raise times are
/// then moved back by known amounts, so that every duration is exact and no assertion depends on the clock.
/// </summary>
[TestFixture]
[Category("Integration")]
public class When_the_dashboard_asks_Risk_for_figures
{
    private RiskAlone _platform = null!;
    private TestFlagBook _flags = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _platform = await RiskAlone.StartAsync();
        _flags = new TestFlagBook(_platform.Database.ConnectionString);
        await TestBus.PublishAsync(_platform.VirtualHost,
            RiskAlone.Accredited("stat-bd", "SMETA", "BD"), RiskAlone.Accredited("stat-in", "SA8000", "IN"));
        await Probe.UntilAsync(async () => await _platform.Database.ScalarAsync<long>("SELECT count(*) FROM risk.auditor") == 2,
            TimeSpan.FromSeconds(30), "Risk keeps both auditors' accreditations");

        var smeta = await RaiseAsync("stat-zero-tolerance", FlagSubject.Facility("5012345678900"), new FlagScope("BD", null, "SMETA"), Severity.Critical);
        var shipment = await RaiseAsync("stat-dol", FlagSubject.Shipment(Guid.NewGuid()), new FlagScope("BD", "61"), Severity.High);
        var grievance = await RaiseAsync("stat-grievance", FlagSubject.Facility("5012345678917"), new FlagScope("BD"), Severity.Low,
            new FlagEvidence($"grievance:{Guid.NewGuid()}", EvidenceSource.Grievance));
        var india = await RaiseAsync("stat-zero-tolerance", FlagSubject.Facility("8901234567894"), new FlagScope("IN", null, "SA8000"), Severity.Medium);
        var old = await RaiseAsync("stat-dol", FlagSubject.Shipment(Guid.NewGuid()), new FlagScope("LK", "61"), Severity.High);

        using var admin = TestIssuer.Shared.ClientFor(_platform.Risk, "admin-1", [Roles.Admin]);
        await StepAsync(admin, smeta, "assign", new { assignee = "stat-bd", version = 1 });
        await StepAsync(admin, shipment, "assign", new { assignee = "stat-bd", version = 1 });
        await StepAsync(admin, shipment, "resolve", new { resolution = "dismissed", version = 2 });
        await StepAsync(admin, india, "assign", new { assignee = "stat-in", version = 1 });

        // Raised N hours before the first assignment; the resolved flag resolved 5 hours after it was raised; one flag outside the window.
        await RaisedBeforeAssignmentAsync(smeta, 1);
        await RaisedBeforeAssignmentAsync(shipment, 2);
        await RaisedBeforeAssignmentAsync(india, 10);
        await ExecuteAsync("UPDATE risk.flag SET resolved_at = raised_at + interval '5 hours' WHERE id = @Id", shipment);
        await ExecuteAsync("UPDATE risk.flag SET raised_at = raised_at - interval '200 days' WHERE id = @Id", old);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _flags?.Dispose();
        await _platform.DisposeAsync();
    }

    private async Task<Guid> RaiseAsync(string rule, FlagSubject subject, FlagScope scope, string severity, params FlagEvidence[] evidence)
    {
        await _flags.RaiseAsync(new FlagSignal
        {
            RuleId = rule, RuleVersion = 1, Severity = severity, Subject = subject, TenantId = "acme", Scope = scope,
            Explanation = $"{rule} at {subject.Id}.", Evidence = evidence.Length > 0 ? evidence : [new FlagEvidence($"test:{subject.Id}", EvidenceSource.Audit)],
        });
        return await _platform.Database.ScalarAsync<Guid>("SELECT id FROM risk.flag WHERE rule_id = @Rule AND subject_id = @Subject", new { Rule = rule, Subject = subject.Id });
    }

    private static async Task StepAsync(HttpClient http, Guid flag, string step, object body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await http.PostAsJsonAsync($"api/v1/flags/{flag}/{step}", body);
        Assert.That(response.StatusCode, Is.EqualTo(expected), await response.Content.ReadAsStringAsync());
    }

    private Task RaisedBeforeAssignmentAsync(Guid flag, int hours) => ExecuteAsync($"""
        UPDATE risk.flag SET raised_at = (SELECT MIN(occurred_at) FROM risk.flag_history WHERE flag_id = @Id AND action = 'assigned') - interval '{hours} hours'
        WHERE id = @Id
        """, flag);

    private async Task ExecuteAsync(string sql, Guid flag) => await _platform.Database.ScalarAsync<object>(sql, new { Id = flag });

    private async Task<JsonElement> StatisticsAsync(HttpClient http, string query = "")
    {
        using var response = await http.GetAsync($"api/v1/flags/statistics{query}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static Dictionary<string, long> Counts(JsonElement statistics, string property) =>
        statistics.GetProperty(property).EnumerateArray().ToDictionary(c => c.GetProperty("key").GetString()!, c => c.GetProperty("count").GetInt64());

    private static (long Count, long? Median, long? P90) Duration(JsonElement statistics, string property)
    {
        var duration = statistics.GetProperty(property);
        static long? Seconds(JsonElement value) => value.ValueKind == JsonValueKind.Null ? null : value.GetInt64();
        return (duration.GetProperty("count").GetInt64(), Seconds(duration.GetProperty("medianSeconds")), Seconds(duration.GetProperty("p90Seconds")));
    }

    [Test]
    public async Task Should_give_an_admin_every_open_flag_by_severity_rule_and_country_and_the_window_s_percentiles()
    {
        using var admin = TestIssuer.Shared.ClientFor(_platform.Risk, "admin-1", [Roles.Admin]);
        var statistics = await StatisticsAsync(admin);
        Assert.Multiple(() =>
        {
            Assert.That(statistics.GetProperty("open").GetInt64(), Is.EqualTo(4), "every flag but the resolved one");
            Assert.That(Counts(statistics, "bySeverity"), Is.EqualTo(new Dictionary<string, long> { ["critical"] = 1, ["high"] = 1, ["medium"] = 1, ["low"] = 1 }));
            Assert.That(statistics.GetProperty("bySeverity").EnumerateArray().Select(c => c.GetProperty("key").GetString()),
                Is.EqualTo(new[] { "critical", "high", "medium", "low" }), "gravest first");
            Assert.That(Counts(statistics, "byRule"), Is.EqualTo(new Dictionary<string, long> { ["stat-zero-tolerance"] = 2, ["stat-dol"] = 1, ["stat-grievance"] = 1 }));
            Assert.That(Counts(statistics, "byCountry"), Is.EqualTo(new Dictionary<string, long> { ["BD"] = 2, ["IN"] = 1, ["LK"] = 1 }));
            Assert.That(statistics.GetProperty("raisedInWindow").GetInt64(), Is.EqualTo(4), "the flag raised 200 days ago is outside the 90-day window");
            // 1 h, 2 h, 10 h: the median is the 2nd of 3, the 90th percentile the 3rd.
            Assert.That(Duration(statistics, "timeToAssign"), Is.EqualTo((3L, (long?)2 * 3600, (long?)10 * 3600)));
            Assert.That(Duration(statistics, "timeToResolve"), Is.EqualTo((1L, (long?)5 * 3600, (long?)5 * 3600)));
        });

        var year = await StatisticsAsync(admin, "?days=366");
        Assert.That(year.GetProperty("raisedInWindow").GetInt64(), Is.EqualTo(5), "a year's window holds the old flag too");
    }

    [Test]
    public async Task Should_count_for_auditors_and_caseworkers_only_the_flags_they_may_list()
    {
        using var auditor = TestIssuer.Shared.ClientFor(_platform.Risk, "user-stat-bd", [Roles.Auditor], "stat-bd");
        var bd = await StatisticsAsync(auditor);
        Assert.Multiple(() =>
        {
            Assert.That(Counts(bd, "byCountry"), Is.EqualTo(new Dictionary<string, long> { ["BD"] = 2 }), "SMETA in Bangladesh: the SMETA, shipment and grievance flags there");
            Assert.That(bd.GetProperty("raisedInWindow").GetInt64(), Is.EqualTo(3));
            Assert.That(Duration(bd, "timeToAssign"), Is.EqualTo((2L, (long?)3600, (long?)2 * 3600)));
        });

        using var caseworker = TestIssuer.Shared.ClientFor(_platform.Risk, "case-1", [Roles.Caseworker]);
        var grievances = await StatisticsAsync(caseworker);
        Assert.Multiple(() =>
        {
            Assert.That(Counts(grievances, "bySeverity"), Is.EqualTo(new Dictionary<string, long> { ["low"] = 1 }), "only the flag holding a grievance");
            Assert.That(Duration(grievances, "timeToAssign"), Is.EqualTo((0L, (long?)null, (long?)null)));
        });

        using var nobody = TestIssuer.Shared.ClientFor(_platform.Risk, "someone", [Roles.Auditor]);
        var none = await StatisticsAsync(nobody);
        Assert.That((none.GetProperty("open").GetInt64(), none.GetProperty("raisedInWindow").GetInt64()), Is.EqualTo((0L, 0L)), "an auditor token without auditor_id");
    }

    [TestCase("?days=0")]
    [TestCase("?days=367")]
    [TestCase("?days=ninety")]
    public async Task Should_refuse_a_window_out_of_range_with_a_problem(string query)
    {
        using var admin = TestIssuer.Shared.ClientFor(_platform.Risk, "admin-1", [Roles.Admin]);
        using var response = await admin.GetAsync($"api/v1/flags/statistics{query}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
    }
}
