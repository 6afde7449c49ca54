using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Traceability.Hosting;

namespace Traceability.IntegrationTests;

/// <summary>
/// The flag list's total on Risk as a process with a database of its own: counted exactly up to 1,000 flags (or to the end
/// of the page asked for, if further), past that "at least" with <c>totalCapped</c>, for an admin and for an auditor
/// whose flags are found through their accreditations. The flags are written straight into the table, as the benchmark does.
/// </summary>
[TestFixture]
[Category("Integration")]
public class When_a_caller_lists_more_flags_than_Risk_counts
{
    private RiskAlone _platform = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _platform = await RiskAlone.StartAsync();
        await TestBus.PublishAsync(_platform.VirtualHost, RiskAlone.Accredited("totals-bd", "SMETA", "BD"));
        await Probe.UntilAsync(async () => await _platform.Database.ScalarAsync<long>("SELECT count(*) FROM risk.auditor") == 1,
            TimeSpan.FromSeconds(30), "Risk keeps the auditor's accreditation");
        // 1,020 flags in Bangladesh the SMETA auditor sees (every third without a scheme), 600 of another scheme they do not,
        // and 30 in Sri Lanka; a tenth of them critical.
        await _platform.Database.ScalarAsync<object>("""
            INSERT INTO risk.flag (id, rule_id, rule_version, severity, subject_type, subject_id, tenant_id, scope_country, scope_hs_chapter, scope_scheme,
                                   explanation, evidence, status, is_open, raised_at, updated_at, version, evidence_count, grievance_count, assign_due_at, resolve_due_at)
            SELECT gen_random_uuid(), 'totals', 1, CASE WHEN n % 10 = 0 THEN 'critical' ELSE 'low' END, 'facility', 'totals-' || n, 'acme',
                   CASE WHEN n <= 1620 THEN 'BD' ELSE 'LK' END, '61',
                   CASE WHEN n > 1020 AND n <= 1620 THEN 'SA8000' WHEN n % 3 = 0 THEN NULL ELSE 'SMETA' END,
                   'Seeded.', 'test:' || n, 'open', 1, now() - (n || ' minutes')::interval, now(), 1, 1, 0, now() + interval '1 day', now() + interval '30 days'
            FROM generate_series(1, 1650) AS n
            """);
    }

    [OneTimeTearDown]
    public async Task Stop() => await _platform.DisposeAsync();

    private async Task<(long Total, bool Capped, int Items)> ListAsync(string role, string? auditorId, string query)
    {
        using var http = TestIssuer.Shared.ClientFor(_platform.Risk, "totals", [role], auditorId);
        using var response = await http.GetAsync($"api/v1/flags?{query}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var page = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (page.GetProperty("total").GetInt64(), page.GetProperty("totalCapped").GetBoolean(), page.GetProperty("items").GetArrayLength());
    }

    [Test]
    public async Task Should_count_an_admin_s_flags_up_to_the_limit_and_say_when_there_are_more()
    {
        Assert.That(await ListAsync(Roles.Admin, null, "pageSize=50"), Is.EqualTo((1000L, true, 50)));
        Assert.That(await ListAsync(Roles.Admin, null, "pageSize=50&severity=critical"), Is.EqualTo((165L, false, 50)), "fewer than the limit: exact");
        Assert.That(await ListAsync(Roles.Admin, null, "pageSize=50&country=LK"), Is.EqualTo((30L, false, 30)));
        Assert.That(await ListAsync(Roles.Admin, null, "pageSize=100&page=17"), Is.EqualTo((1650L, false, 50)),
            "a page beyond the limit is counted to its end: here, every flag");
        Assert.That(await ListAsync(Roles.Admin, null, "pageSize=100&page=12"), Is.EqualTo((1200L, true, 100)));
    }

    [Test]
    public async Task Should_count_only_an_auditor_s_own_flags_up_to_the_limit()
    {
        Assert.That(await ListAsync(Roles.Auditor, "totals-bd", "pageSize=50"), Is.EqualTo((1000L, true, 50)));
        Assert.That(await ListAsync(Roles.Auditor, "totals-bd", "pageSize=500&page=3"), Is.EqualTo((1020L, false, 20)),
            "the flags of another scheme and of another country are not counted");
        Assert.That(await ListAsync(Roles.Auditor, "totals-bd", "pageSize=50&severity=critical"), Is.EqualTo((102L, false, 50)));
        Assert.That(await ListAsync(Roles.Auditor, "totals-bd", "pageSize=50&country=LK"), Is.EqualTo((0L, false, 0)));
    }
}
