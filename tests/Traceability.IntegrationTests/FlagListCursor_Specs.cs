using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Traceability.Hosting;

namespace Traceability.IntegrationTests;

/// <summary>
/// Keyset paging of the flag list: following <c>nextCursor</c> page by page gives every flag the caller sees exactly once, in
/// the order the whole list has, for every sort, every kind of caller and with filters; a cursor that is garbled, changed, or
/// given with another sort or other filters answers 400 naming <c>cursor</c>. The flags are written straight into the table,
/// with ties on every sort key (three flags share each raised-at time; clocks repeat; some have none).
/// </summary>
[TestFixture]
[Category("Integration")]
public class When_a_caller_pages_through_flags_with_a_cursor
{
    private static readonly string[] Sorts = ["-raised", "raised", "-severity", "severity", "due", "-due"];
    private RiskAlone _platform = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _platform = await RiskAlone.StartAsync();
        await TestBus.PublishAsync(_platform.VirtualHost, RiskAlone.Accredited("cursor-bd", "SMETA", "BD"));
        await Probe.UntilAsync(async () => await _platform.Database.ScalarAsync<long>("SELECT count(*) FROM risk.auditor") == 1,
            TimeSpan.FromSeconds(30), "Risk keeps the auditor's accreditation");
        // 240 flags: every severity; open, assigned, investigating and resolved; clocks repeating every 7 flags, every 11th open
        // flag without clocks; Bangladesh and Sri Lanka; SMETA, SA8000 and no scheme; every 4th holding a grievance.
        await _platform.Database.ScalarAsync<object>("""
            INSERT INTO risk.flag (id, rule_id, rule_version, severity, subject_type, subject_id, tenant_id, scope_country, scope_hs_chapter, scope_scheme,
                                   explanation, evidence, status, resolution, is_open, raised_at, updated_at, version, evidence_count, grievance_count,
                                   assign_due_at, resolve_due_at, assignee)
            SELECT gen_random_uuid(), 'cursor', 1, (ARRAY['low','medium','high','critical'])[1 + n % 4], 'facility', 'cursor-' || n, 'acme',
                   CASE WHEN n % 5 = 0 THEN 'LK' ELSE 'BD' END, '61', (ARRAY['SMETA','SA8000',NULL])[1 + n % 3],
                   'Seeded.', 'test:' || n, s.status, CASE WHEN s.status = 'resolved' THEN 'dismissed' END, CASE WHEN s.status = 'resolved' THEN NULL ELSE 1 END,
                   timestamptz '2026-11-01 00:00:00+00' + ((n / 3) || ' minutes')::interval, now(), 1, 1, CASE WHEN n % 4 = 0 THEN 1 ELSE 0 END,
                   CASE WHEN n % 11 = 0 THEN NULL ELSE timestamptz '2026-12-01 00:00:00+00' + ((n % 7) || ' hours')::interval END,
                   CASE WHEN n % 11 = 0 THEN NULL ELSE timestamptz '2026-12-20 00:00:00+00' + ((n % 5) || ' hours')::interval END,
                   CASE WHEN s.status IN ('assigned', 'investigating') THEN 'cursor-bd' END
            FROM generate_series(1, 240) AS n
            CROSS JOIN LATERAL (SELECT (ARRAY['open','open','assigned','investigating','resolved'])[1 + (n / 2) % 5] AS status) s
            """);
    }

    [OneTimeTearDown]
    public async Task Stop() => await _platform.DisposeAsync();

    private static HttpClient Caller(RiskAlone platform, string caller) => caller switch
    {
        "admin" => TestIssuer.Shared.ClientFor(platform.Risk, "cursor-admin", [Roles.Admin]),
        "caseworker" => TestIssuer.Shared.ClientFor(platform.Risk, "cursor-caseworker", [Roles.Caseworker]),
        _ => TestIssuer.Shared.ClientFor(platform.Risk, "cursor-auditor", [Roles.Auditor], "cursor-bd"),
    };

    private static async Task<JsonElement> PageAsync(HttpClient http, string query)
    {
        using var response = await http.GetAsync($"api/v1/flags?{query}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<IDictionary<string, string[]>> RefusedAsync(HttpClient http, string query)
    {
        using var response = await http.GetAsync($"api/v1/flags?{query}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").Deserialize<Dictionary<string, string[]>>()!;
    }

    private static List<string> Ids(JsonElement page) => page.GetProperty("items").EnumerateArray().Select(f => f.GetProperty("id").GetString()!).ToList();

    [TestCase("admin", "")]
    [TestCase("admin", "&status=open")]
    [TestCase("auditor", "")]
    [TestCase("auditor", "&severity=critical")]
    [TestCase("caseworker", "&country=BD")]
    public async Task Should_give_every_flag_once_in_the_list_s_order_for_every_sort(string caller, string filters)
    {
        using var http = Caller(_platform, caller);
        foreach (var sort in Sorts)
        {
            var whole = Ids(await PageAsync(http, $"sort={Uri.EscapeDataString(sort)}&pageSize=500{filters}"));
            Assert.That(whole, Is.Not.Empty);
            var walked = new List<string>();
            var page = await PageAsync(http, $"sort={Uri.EscapeDataString(sort)}&pageSize=17{filters}");
            walked.AddRange(Ids(page));
            while (page.GetProperty("nextCursor").GetString() is { } cursor)
            {
                Assert.That(walked, Has.Count.LessThan(whole.Count), $"{sort}: a cursor after the last flag");
                page = await PageAsync(http, $"sort={Uri.EscapeDataString(sort)}&pageSize=17{filters}&cursor={cursor}");
                walked.AddRange(Ids(page));
            }
            Assert.That(walked, Is.EqualTo(whole), $"{caller}{filters}, sort {sort}: the pages one after another are the whole list");
        }
    }

    [Test]
    public async Task Should_refuse_a_cursor_that_is_garbled_changed_or_given_with_another_sort_or_other_filters()
    {
        using var http = Caller(_platform, "admin");
        var cursor = (await PageAsync(http, "sort=-severity&pageSize=10&status=open")).GetProperty("nextCursor").GetString()!;
        Assert.That(Ids(await PageAsync(http, $"sort=-severity&pageSize=10&status=open&cursor={cursor}")), Has.Count.EqualTo(10), "the cursor as given");

        var changed = cursor.ToCharArray();
        changed[30] = changed[30] == 'A' ? 'B' : 'A';
        foreach (var query in new[]
        {
            "sort=-severity&status=open&cursor=not-a-cursor",
            "sort=-severity&status=open&cursor=%25%25%25",
            $"sort=-severity&status=open&cursor={cursor[..^4]}",
            $"sort=-severity&status=open&cursor={new string(changed)}",
            $"sort=severity&status=open&cursor={cursor}",
            $"sort=-severity&status=assigned&cursor={cursor}",
            $"sort=-severity&cursor={cursor}",
            $"sort=-severity&status=open&page=2&cursor={cursor}",
            $"sort=-severity&status=open&cursor={new string('A', 300)}",
        })
        {
            Assert.That((await RefusedAsync(http, query)).Keys, Is.EquivalentTo(new[] { "cursor" }), query);
        }
    }

    [Test]
    public async Task Should_give_no_cursor_after_the_last_page()
    {
        using var http = Caller(_platform, "admin");
        var page = await PageAsync(http, "pageSize=500");
        Assert.That((Ids(page).Count, page.GetProperty("nextCursor").ValueKind), Is.EqualTo((240, JsonValueKind.Null)));
        page = await PageAsync(http, "pageSize=120&page=2");
        Assert.That((Ids(page).Count, page.GetProperty("nextCursor").ValueKind), Is.EqualTo((120, JsonValueKind.Null)), "exactly full, and the last");
    }

    [Test]
    public async Task Should_filter_by_status_or_a_resolved_flag_s_outcome_and_refuse_an_outcome_with_another_status()
    {
        using var http = Caller(_platform, "admin");
        var resolved = await _platform.Database.ScalarAsync<long>("SELECT count(*) FROM risk.flag WHERE rule_id = 'cursor' AND status = 'resolved'");
        Assert.That((await PageAsync(http, "pageSize=500&resolution=dismissed")).GetProperty("total").GetInt64(), Is.EqualTo(resolved).And.GreaterThan(0));
        Assert.That((await PageAsync(http, "pageSize=500&status=resolved&resolution=dismissed")).GetProperty("total").GetInt64(), Is.EqualTo(resolved));
        Assert.That((await PageAsync(http, "pageSize=500&resolution=confirmed")).GetProperty("total").GetInt64(), Is.Zero);
        Assert.That((await RefusedAsync(http, "status=open&resolution=dismissed")).Keys, Is.EquivalentTo(new[] { "resolution" }));
        Assert.That((await RefusedAsync(http, "resolution=settled")).Keys, Is.EquivalentTo(new[] { "resolution" }));
    }
}
