using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using MassTransit;
using Npgsql;
using Traceability.Contracts.Audits;
using Traceability.Contracts.Grievances;
using Traceability.Contracts.Provenance;
using Traceability.Hosting;
using Traceability.IntegrationTests;

namespace Traceability.Benchmarks;

/// <summary>
/// Risk's figures (issue #11), printed, never asserted: events evaluated per second per rule family (events published
/// straight onto the bus as their services publish them, timed until Risk's inbox holds every one), and
/// GET /api/v1/flags p50 / p99 for an admin, a caseworker and two auditors over a million flags.
/// </summary>
internal sealed class RiskBench(Uri risk, string connectionString, int events, int flags, int requests)
{
    private const string SeedRule = "bench-seed";
    private static readonly string[] Countries = ["BD", "IN", "CN", "VN", "KH", "PK", "TR", "ET", "GH", "CI", "BR", "PE", "ID", "MY", "TH", "LK", "MX", "GT", "HN", "KE"];

    public async Task RunAsync()
    {
        await EventFamiliesAsync();
        await FlagListAsync();
    }

    private async Task EventFamiliesAsync()
    {
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit => rabbit.Host(
            Environment.GetEnvironmentVariable("RabbitMq__Host") ?? "127.0.0.1",
            ushort.Parse(Environment.GetEnvironmentVariable("RabbitMq__Port") ?? "5672", CultureInfo.InvariantCulture),
            Environment.GetEnvironmentVariable("RabbitMq__VirtualHost") ?? "/", host =>
            {
                host.Username(Environment.GetEnvironmentVariable("RabbitMq__Username") ?? "guest");
                host.Password(Environment.GetEnvironmentVariable("RabbitMq__Password") ?? "guest");
            }));
        await bus.StartAsync();
        try
        {
            Console.WriteLine();
            Console.WriteLine($"{"risk rule family",-44} {"events",7} {"events/s",9} {"flags raised",13}");
            var run = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);
            // Facilities first (half in Xinjiang, some on the Entity List): the shipments then name them.
            var facilities = Enumerable.Range(0, events).Select(i => new FacilityRegistered
            {
                EventId = Guid.NewGuid(), TenantId = "bench", OccurredAt = DateTime.UtcNow, FacilityId = Guid.NewGuid(), Revision = 1,
                Gln = Gln(run, i), Name = i % 10 == 0 ? $"Hoshine Silicon Industry (Shanshan) Co {i}" : $"Bench Mill {run} {i}", Country = "CN",
                Region = i % 2 == 0 ? "Xinjiang" : "Jiangsu", FacilityType = "mill",
            }).ToList();
            await FamilyAsync(bus, "facilities: uflpa-region, uflpa-entity, signal rules", "risk.keep-facility", facilities);
            var shipments = Enumerable.Range(0, events).Select(i => new ShipmentRecorded
            {
                EventId = Guid.NewGuid(), TenantId = "bench", OccurredAt = DateTime.UtcNow, ShipmentId = Guid.NewGuid(), HsCode = "520100", Commodity = "Cotton",
                OriginCountry = "CN", Quantity = 10, Unit = "t", ShipDate = DateOnly.FromDateTime(DateTime.UtcNow), OriginFacilityId = facilities[i].FacilityId,
                Tiers = [new SupplyTier { FacilityId = facilities[(i + 1) % events].FacilityId, Country = "CN", Role = "spinner" }],
            }).ToList();
            await FamilyAsync(bus, "shipments: dol, uflpa, hold, provenance-gap", "risk.evaluate-shipment", shipments);
            var audits = Enumerable.Range(0, events).Select(i => new AuditSubmitted
            {
                EventId = Guid.NewGuid(), TenantId = AuditsTenant.Id, OccurredAt = DateTime.UtcNow, AuditId = Guid.NewGuid(),
                Facility = new AuditedFacility { Gln = facilities[i].Gln, Name = facilities[i].Name, Country = "CN" }, Scheme = "SMETA", AuditType = "periodic",
                Announcement = "unannounced", StartDate = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-3), EndDate = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1),
                LeadAuditorId = "bench",
                Findings = [new AuditFinding { FindingId = Guid.NewGuid(), Code = "WG-BELOW-MINIMUM", IloIndicators = ["withholding-of-wages"], Severity = "major", Status = "open" }],
            }).ToList();
            await FamilyAsync(bus, "audits: ilo-indicators (signals)", "risk.audit-signals", audits);
            var grievances = Enumerable.Range(0, events).Select(i => new GrievanceFiled
            {
                EventId = Guid.NewGuid(), TenantId = "bench", OccurredAt = DateTime.UtcNow, CaseId = Guid.NewGuid(), CaseReference = "GR-BENCH",
                FacilityIds = [facilities[i].FacilityId], FacilityCountry = "CN", Category = "wages-withheld", IloIndicators = ["withholding-of-wages"],
                ForcedLabourIndicator = true, Language = "en", SenderPseudonym = "p_" + new string('b', 32), FiledAt = DateTime.UtcNow,
            }).ToList();
            await FamilyAsync(bus, "grievances: ilo-indicators, reprisal-warning", "risk.grievance-signals", grievances);
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    private static string Gln(string run, int i)
    {
        var body = $"6{run}{i:D5}";
        var sum = body.Select((c, n) => (c - '0') * (n % 2 == 0 ? 1 : 3)).Sum();
        return body + (char)('0' + (10 - sum % 10) % 10);
    }

    private async Task FamilyAsync<T>(IBus bus, string family, string consumer, IReadOnlyList<T> messages) where T : class
    {
        var inboxBefore = await ScalarAsync($"SELECT count(*) FROM risk.inbox_message WHERE consumer = '{consumer}'");
        var flagsBefore = await ScalarAsync("SELECT count(*) FROM risk.flag");
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(messages, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (message, ct) => await bus.Publish(message, ct));
        while (await ScalarAsync($"SELECT count(*) FROM risk.inbox_message WHERE consumer = '{consumer}'") < inboxBefore + messages.Count)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(10))
            {
                Console.WriteLine($"{family,-44} gave up after 10 minutes");
                return;
            }
            await Task.Delay(50);
        }
        var elapsed = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"{family,-44} {messages.Count,7} {messages.Count / elapsed,9:F0} {await ScalarAsync("SELECT count(*) FROM risk.flag") - flagsBefore,13}");
    }

    private async Task FlagListAsync()
    {
        var clock = Stopwatch.StartNew();
        var seeded = await ScalarAsync($"SELECT count(*) FROM risk.flag WHERE rule_id = '{SeedRule}'");
        if (seeded < flags)
        {
            // Straight into the table: a million flags through the bus would measure the bus, not the list.
            await ExecuteAsync($"""
                INSERT INTO risk.flag (id, rule_id, rule_version, severity, subject_type, subject_id, tenant_id, scope_country, scope_hs_chapter, scope_scheme,
                                       explanation, evidence, status, is_open, raised_at, updated_at, version, evidence_count, grievance_count, assign_due_at, resolve_due_at)
                SELECT gen_random_uuid(), '{SeedRule}', 1, (ARRAY['low','medium','high','critical'])[1 + n % 4], 'facility', 'bench-' || n, 'bench',
                       (ARRAY['{string.Join("','", Countries)}'])[1 + n % {Countries.Length}], lpad((1 + n % 97)::text, 2, '0'),
                       CASE WHEN n % 3 = 0 THEN NULL ELSE (ARRAY['SMETA','SA8000','amfori BSCI','Fairtrade','RSPO'])[1 + n % 5] END,
                       'Seeded for the list benchmark.', 'bench:' || n, 'open', 1, now() - (n || ' seconds')::interval * 60, now(), 1, 1,
                       CASE WHEN n % 50 = 0 THEN 1 ELSE 0 END, now(), now() + interval '30 days'
                FROM generate_series({seeded + 1}, {flags}) AS n
                """);
            await ExecuteAsync("ANALYZE risk.flag");
        }
        await ExecuteAsync("""
            INSERT INTO risk.auditor (auditor_id, revision, name, level, status, updated_at) VALUES
              ('bench-narrow', 1, 'Narrow', 'RA', 'active', now()), ('bench-wide', 1, 'Wide', 'RA', 'active', now())
            ON CONFLICT (auditor_id) DO NOTHING;
            DELETE FROM risk.auditor_scope WHERE auditor_id IN ('bench-narrow', 'bench-wide');
            INSERT INTO risk.auditor_scope (auditor_id, scheme, country, hs_chapter, valid_from, valid_to) VALUES
              ('bench-narrow', 'SMETA', 'BD', '61', '2000-01-01', '2100-12-31');
            INSERT INTO risk.auditor_scope (auditor_id, scheme, country, hs_chapter, valid_from, valid_to)
            SELECT 'bench-wide', s, c, NULL, '2000-01-01', '2100-12-31'
            FROM unnest(ARRAY['SMETA','SA8000','amfori BSCI','Fairtrade','RSPO']) s CROSS JOIN unnest(ARRAY['BD','IN','CN','VN','KH','PK','TR','ET','GH','CI']) c;
            """);
        var total = await ScalarAsync("SELECT count(*) FROM risk.flag");
        Console.WriteLine();
        Console.WriteLine($"GET /api/v1/flags over {total:N0} flags (seeded in {clock.Elapsed.TotalSeconds:F0} s), {requests} requests each, one at a time:");
        Console.WriteLine($"{"caller",-46} {"total",9} {"p50 ms",8} {"p99 ms",8}");
        await using var issuer = TestIssuer.Start(AuditsBench.IssuerUrl);
        // "by cursor": the page is reached by following nextCursor from the first page (not timed), then that page is asked for
        // again and again with its cursor (keyset paging); "page N" alone is offset paging.
        foreach (var (caller, roles, auditorId, listing, cursorPage) in new (string, string[], string?, string, int)[]
        {
            ("admin, newest page", [Roles.Admin], null, "pageSize=50", 1),
            ("admin, page 100", [Roles.Admin], null, "pageSize=50&page=100", 1),
            ("admin, page 100 by cursor", [Roles.Admin], null, "pageSize=50", 100),
            ("admin, page 2,000", [Roles.Admin], null, "pageSize=50&page=2000", 1),
            ("admin, page 2,000 by cursor", [Roles.Admin], null, "pageSize=50", 2000),
            ("admin, critical facility flags", [Roles.Admin], null, "pageSize=50&severity=critical&subjectType=facility", 1),
            ("admin, -severity, page 100 by cursor", [Roles.Admin], null, "pageSize=50&sort=-severity", 100),
            ("caseworker (flags holding grievances)", [Roles.Caseworker], null, "pageSize=50", 1),
            ("auditor, SMETA in BD, HS 61", [Roles.Auditor], "bench-narrow", "pageSize=50", 1),
            ("auditor, 5 schemes x 10 countries", [Roles.Auditor], "bench-wide", "pageSize=50", 1),
            ("auditor, 5 x 10, page 100", [Roles.Auditor], "bench-wide", "pageSize=50&page=100", 1),
            ("auditor, 5 x 10, page 100 by cursor", [Roles.Auditor], "bench-wide", "pageSize=50", 100),
        })
        {
            using var http = new HttpClient { BaseAddress = risk, Timeout = TimeSpan.FromMinutes(2) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", issuer.Mint("bench", roles, auditorId, lifetime: TimeSpan.FromHours(1)));
            var query = listing;
            for (var walked = 1; walked < cursorPage; walked++)
            {
                var cursor = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync($"api/v1/flags?{query}")).RootElement.GetProperty("nextCursor").GetString();
                query = $"{listing}&cursor={cursor}";
            }
            var visible = "?";
            var latencies = new List<double>();
            for (var i = 0; i < requests; i++)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await http.GetAsync($"api/v1/flags?{query}");
                var body = await response.Content.ReadAsStringAsync();
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (!response.IsSuccessStatusCode)
                {
                    Console.WriteLine($"  {caller}: {(int)response.StatusCode} {body}");
                    break;
                }
                // The total is counted only so far (totalCapped: at least that many).
                var page = System.Text.Json.JsonDocument.Parse(body).RootElement;
                visible = page.GetProperty("total").GetInt64().ToString("N0", CultureInfo.InvariantCulture)
                    + (page.TryGetProperty("totalCapped", out var capped) && capped.GetBoolean() ? "+" : "");
            }
            latencies.Sort();
            Console.WriteLine($"{caller,-46} {visible,9} {Percentile(latencies, 0.50),8:F1} {Percentile(latencies, 0.99),8:F1}");
        }
    }

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
        await command.ExecuteNonQueryAsync();
    }
}
