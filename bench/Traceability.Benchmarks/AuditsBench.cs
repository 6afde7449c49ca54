using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;
using Traceability.Hosting;
using Traceability.IntegrationTests;

namespace Traceability.Benchmarks;

/// <summary>
/// Audits' two figures (issue #9), printed, never asserted: audits of 50 findings uploaded per second (and how long
/// Risk takes to evaluate them), and the time from a certificate's suspension to every shipment that claims it being
/// flagged. Tokens come from an issuer of the benchmark's own, which run.sh names to the services as Auth__Authority.
/// </summary>
internal sealed class AuditsBench(Uri audits, string connectionString, TimeSpan duration)
{
    private const int FindingsPerAudit = 50;
    private static readonly string[] Codes =
    [
        "HR-EXCESSIVE-OVERTIME", "HR-NO-REST-DAY", "WG-BELOW-MINIMUM", "HS-UNSAFE-WORKPLACE", "TR-DISCRIMINATION", "MS-NO-GRIEVANCE-MECHANISM",
        "WG-NO-WRITTEN-TERMS", "FA-ASSOCIATION-DENIED", "HS-DEGRADING-ACCOMMODATION", "EM-NO-REGULAR-EMPLOYMENT",
    ];

    private readonly string _run = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);
    private long _facilities = (DateTime.UtcNow.Ticks / 10_000_000) % 1_000_000 * 1000;

    /// <summary>The issuer's URL run.sh gives the services (Auth__Authority).</summary>
    public static string IssuerUrl => Environment.GetEnvironmentVariable("Auth__Authority") ?? "http://127.0.0.1:5209/";

    public async Task RunAsync(HttpClient exporterHttp, string exporterKey, int claims)
    {
        await using var issuer = TestIssuer.Start(IssuerUrl);
        var auditorId = $"bench-auditor-{_run}";
        using var certifier = Client(issuer.Mint("bench-certifier", [Roles.Certifier]));
        using var auditor = Client(issuer.Mint($"bench-{auditorId}", [Roles.Auditor], auditorId, lifetime: TimeSpan.FromHours(2)));
        await RequireAsync(certifier.PostAsync("api/v1/auditors", Json($$"""
            {"id":"{{auditorId}}","name":"Bench Auditor","firm":"Bench","apscaNumber":"B{{_run}}","level":"CSCA",
             "accreditations":[{"scheme":"sa8000","countries":["GH"],"validFrom":"2000-01-01","validTo":"2100-12-31"}]}
            """)), HttpStatusCode.Created);

        Console.WriteLine();
        Console.WriteLine($"{"audits scenario",-28} {"conc",4} {"audits",9} {"findings",9} {"audits/s",10} {"p50 ms",8} {"p99 ms",8} {"errors",6} {"risk done s",11}");
        foreach (var concurrency in new[] { 1, 4 })
        {
            await UploadAuditsAsync(auditor, concurrency);
        }
        await SuspendClaimedCertificateAsync(certifier, exporterHttp, exporterKey, claims);
    }

    private async Task UploadAuditsAsync(HttpClient auditor, int concurrency)
    {
        var before = await ScalarAsync("SELECT count(*) FROM risk.inbox_message WHERE consumer = 'risk.audit-findings'");
        var latencies = new List<double>();
        long uploaded = 0, errors = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            var mine = new List<double>();
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await auditor.PostAsync("api/v1/audits", Json(Audit()));
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    Interlocked.Increment(ref uploaded);
                }
                else if (Interlocked.Increment(ref errors) == 1)
                {
                    Console.WriteLine($"  first error: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }
            lock (latencies)
            {
                latencies.AddRange(mine);
            }
        }));
        var sent = clock.Elapsed;
        double? riskDone = null;
        while (clock.Elapsed < sent + TimeSpan.FromMinutes(5))
        {
            if (await ScalarAsync("SELECT count(*) FROM risk.inbox_message WHERE consumer = 'risk.audit-findings'") >= before + uploaded)
            {
                riskDone = clock.Elapsed.TotalSeconds;
                break;
            }
            await Task.Delay(50);
        }
        latencies.Sort();
        Console.WriteLine($"{"audits, 50 findings",-28} {concurrency,4} {uploaded,9} {uploaded * FindingsPerAudit,9} {uploaded / sent.TotalSeconds,10:F1} " +
            $"{Percentile(latencies, 0.5),8:F1} {Percentile(latencies, 0.99),8:F1} {errors,6} {(riskDone is { } d ? d.ToString("F1", CultureInfo.InvariantCulture) : "n/a"),11}");
    }

    // Every shipment claims the certificate; then it is suspended from before the first ship date, and the clock runs
    // from the suspension's answer until Risk holds a certificate-status flag for every one of them.
    private async Task SuspendClaimedCertificateAsync(HttpClient certifier, HttpClient exporterHttp, string exporterKey, int claims)
    {
        var number = $"BENCH-{_run}";
        await RequireAsync(certifier.PostAsync("api/v1/certificates", Json($$"""
            {"scheme":"fairtrade","number":"{{number}}","holder":{"gln":"{{NextGln()}}","name":"Bench co-op","country":"GH"},
             "scopeHsCodes":["0901"],"validFrom":"2026-01-01","validTo":"2027-12-31"}
            """)), HttpStatusCode.Created);
        var clock = Stopwatch.StartNew();
        long next = -1, failed = 0;
        await Task.WhenAll(Enumerable.Range(0, 32).Select(async _ =>
        {
            for (var n = Interlocked.Increment(ref next); n < claims; n = Interlocked.Increment(ref next))
            {
                var shipDate = new DateOnly(2026, 2, 1).AddDays((int)(n % 280));
                using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/shipments")
                {
                    Content = Json($$"""
                        {"hsCode":"0901.11","commodity":"Coffee","originCountry":"GH","quantity":10,"unit":"t","shipDate":"{{shipDate:yyyy-MM-dd}}",
                         "certificates":[{"scheme":"Fairtrade","number":"{{number}}"}]}
                        """),
                };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", exporterKey);
                using var response = await exporterHttp.SendAsync(request);
                if (response.StatusCode != HttpStatusCode.Created)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }));
        var recorded = claims - failed;
        Console.WriteLine();
        Console.WriteLine($"certificate fan-out: {recorded:N0} shipments claiming {number} recorded in {clock.Elapsed.TotalSeconds:F0} s ({failed} refused)");
        await UntilAsync(() => ScalarAsync("SELECT count(*) FROM risk.certificate_claim WHERE number = @Number", number), recorded, TimeSpan.FromMinutes(10));
        Console.WriteLine($"  Risk holds every claim {clock.Elapsed.TotalSeconds:F0} s after the first shipment");

        const string flagged = """
            SELECT count(*) FROM risk.certificate_claim c
            JOIN risk.flag f ON f.rule_id = 'certificate-status' AND f.subject_type = 'shipment' AND f.subject_id = c.subject_id AND f.is_open = 1
            WHERE c.number = @Number
            """;
        clock.Restart();
        await RequireAsync(certifier.PostAsync($"api/v1/certificates/fairtrade/{number}/status",
            Json("""{"status":"suspended","reason":"Benchmark: suspended for every claim.","effectiveFrom":"2026-01-15"}""")), HttpStatusCode.OK);
        var answered = clock.Elapsed.TotalSeconds;
        var done = await UntilAsync(() => ScalarAsync(flagged, number), recorded, TimeSpan.FromMinutes(10));
        var allFlagged = clock.Elapsed.TotalSeconds;
        // FlagRaised has no consumer yet, so its rows wait in Risk's outbox (README, known gaps): counted, not waited for.
        var events = await ScalarAsync("SELECT count(*) FROM risk.outbox_message WHERE message_type LIKE '%FlagRaised%' AND body LIKE CONCAT('%', @Number, '%')", number);
        Console.WriteLine($"  suspension answered in {answered:F2} s; {done:N0} of {recorded:N0} shipments flagged {allFlagged:F1} s after it was sent " +
            $"(issue #9's target: under 10 s); {events:N0} FlagRaised rows of the rule in Risk's outbox");
    }

    private string Audit()
    {
        var findings = new StringBuilder();
        for (var i = 0; i < FindingsPerAudit; i++)
        {
            // One zero-tolerance finding and two ILO indicators per audit: Risk raises both of Audits' facility flags.
            var code = i == 0 ? "FL-DOCUMENTS-RETAINED" : Codes[i % Codes.Length];
            findings.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture, $$$"""
                {"code":"{{{code}}}","description":"Finding {{{i}}}","evidence":[{"sha256":"{{{new string((char)('a' + i % 6), 64)}}}","mediaType":"image/jpeg"}],
                 "correctiveAction":{"description":"Fix {{{i}}}","dueDate":"2026-12-31"}}
                """);
        }
        return $$"""
            {"facility":{"gln":"{{NextGln()}}","name":"Bench mill","country":"GH"},"scheme":"sa8000","auditType":"periodic","announcement":"announced",
             "startDate":"2026-10-12","endDate":"2026-10-14","workersInterviewed":20,"headcount":{"women":100,"men":100,"migrant":10,"young":0},
             "overallResult":"fail","findings":[{{findings}}]}
            """;
    }

    private string NextGln()
    {
        var digits = "7" + Interlocked.Increment(ref _facilities).ToString("D11", CultureInfo.InvariantCulture);
        return digits + CheckDigit.Compute(digits);
    }

    private HttpClient Client(string token)
    {
        var client = new HttpClient { BaseAddress = audits, Timeout = TimeSpan.FromSeconds(120) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task RequireAsync(Task<HttpResponseMessage> sending, HttpStatusCode expected)
    {
        using var response = await sending;
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static async Task<long> UntilAsync(Func<Task<long>> count, long wanted, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        long seen;
        while (true)
        {
            seen = await count();
            if (seen >= wanted || clock.Elapsed > timeout)
            {
                return seen;
            }
            await Task.Delay(50);
        }
    }

    private async Task<long> ScalarAsync(string sql, string? number = null)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("Number", number ?? "");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
