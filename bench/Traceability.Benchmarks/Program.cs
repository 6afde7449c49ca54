using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;
using Traceability.Benchmarks;

// Drives a running platform (bench/run.sh starts one) with shipments and EPCIS documents for a
// fixed time per scenario, and prints accepted records/events per second, latency percentiles, how
// long Risk took to evaluate everything accepted, and each rate beside pgbench -N run on the same
// PostgreSQL at the same concurrency. With --peer-url, the same EPCIS documents also go to another
// EPCIS capture endpoint (e.g. a peer EPCIS repository running on this machine), side by side.
//
//   dotnet Traceability.Benchmarks.dll [--seconds 10] [--quick] [--only shipments|epcis] [--concurrency 4,16]
//                                      [--profile] [--peer-url http://127.0.0.1:5102/capture] [--peer-header 'Authorization: Basic …']
//                                      [--chain-records 100000] [--chain-only] [--only audits] [--claims 100000] [--only grievances]
//                                      [--only risk] [--risk-events 2000] [--risk-flags 1000000] [--epcis-sizes 1,100,500] [--warmup 2]
// Last (unless --only), a fresh exporter's hash chain of --chain-records records (10,000 with --quick) is verified once
// (GET /api/v1/chain/verify); --chain-only runs just that. Then (or alone with --only audits) Audits' figures: audits of
// 50 findings per second, and the time from a certificate's suspension to every one of --claims shipments (100,000;
// 10,000 with --quick) that claim it being flagged (see AuditsBench).
// Environment: PROVENANCE_URL, Admin__ApiKey, ConnectionStrings__Traceability, TRACEABILITY_PG_BIN, TRACEABILITY_PG_PORT;
// for --profile also PROVENANCE_PORT, RISK_PORT, TRACEABILITY_PG_SOCKET_DIR, TRACEABILITY_RABBIT_PID_FILE.

var seconds = Argument("--seconds") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : 10;
var quick = args.Contains("--quick");
var only = Argument("--only");
var profiling = args.Contains("--profile") && Profile.Supported;
var onlyConcurrency = Argument("--concurrency")?.Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToHashSet();
var peerUrl = Argument("--peer-url") is { } peer ? new Uri(peer) : null;
var peerHeaders = args.Select((a, i) => (a, i)).Where(p => p.a == "--peer-header" && p.i + 1 < args.Length)
    .Select(p => args[p.i + 1].Split(':', 2)).Select(h => (Name: h[0].Trim(), Value: h.Length > 1 ? h[1].Trim() : "")).ToList();
var provenance = new Uri(Environment.GetEnvironmentVariable("PROVENANCE_URL") ?? "http://127.0.0.1:5101/");
var adminKey = Environment.GetEnvironmentVariable("Admin__ApiKey") ?? throw new InvalidOperationException("Admin__ApiKey is required.");
var connectionString = Environment.GetEnvironmentVariable("ConnectionStrings__Traceability") ?? throw new InvalidOperationException("ConnectionStrings__Traceability is required.");
var duration = TimeSpan.FromSeconds(seconds);
var profile = new Profile(connectionString);

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
{
    BaseAddress = provenance,
    Timeout = TimeSpan.FromSeconds(120),
};
var exporter = $"bench-{DateTime.UtcNow:yyyyMMddHHmmss}";
var key = await OnboardAsync(exporter);
Console.WriteLine($"Traceability ingest benchmark: {seconds} s per scenario, {Environment.ProcessorCount} cores, exporter {exporter}");
if (args.Contains("--chain-only"))
{
    await VerifyChainAsync(ChainRecords());
    return 0;
}
var auditsBench = new AuditsBench(new Uri(Environment.GetEnvironmentVariable("AUDITS_URL") ?? "http://127.0.0.1:5102/"), connectionString, duration);
var claims = Argument("--claims") is { } claimsArgument ? int.Parse(claimsArgument, CultureInfo.InvariantCulture) : quick ? 10_000 : 100_000;
if (only == "audits")
{
    await auditsBench.RunAsync(http, key, claims);
    return 0;
}
if (only == "grievances")
{
    await GrievancesBench.RunAsync(http, key, connectionString, duration, quick);
    return 0;
}
var riskBench = new RiskBench(new Uri(Environment.GetEnvironmentVariable("RISK_URL") ?? "http://127.0.0.1:5104/"), connectionString,
    Argument("--risk-events") is { } riskEvents ? int.Parse(riskEvents, CultureInfo.InvariantCulture) : quick ? 300 : 2_000,
    Argument("--risk-flags") is { } riskFlags ? int.Parse(riskFlags, CultureInfo.InvariantCulture) : quick ? 100_000 : 1_000_000,
    quick ? 50 : 200);
if (only == "risk")
{
    await riskBench.RunAsync();
    return 0;
}
Console.WriteLine();
Console.WriteLine($"{"scenario",-28} {"conc",4} {"requests",9} {"records",9} {"records/s",10} {"p50 ms",8} {"p99 ms",8} {"errors",6} {"risk done s",11}");

var results = new List<Row>();
// One numbering for every scenario: documents of different scenarios never repeat an event.
long sequence = 0;
// Each scenario (ours and the peer's) is first driven this long uncounted. Shipments too: on a cold platform the
// first shipments scenario paid for the services' JIT compiling their hot paths.
var warmUp = TimeSpan.FromSeconds(Argument("--warmup") is { } w ? double.Parse(w, CultureInfo.InvariantCulture) : 2);
foreach (var concurrency in Wanted("shipments", quick ? [4] : [1, 4, 16]))
{
    results.Add(await RunAsync("shipments", concurrency, 1, ShipmentBody, "api/v1/shipments", "application/json", ShipmentsEvaluatedAsync, warmUp: warmUp));
}
var epcisSizes = Argument("--epcis-sizes") is { } sizes ? sizes.Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToArray() : quick ? [1, 100] : [1, 100, 500];
foreach (var size in epcisSizes)
{
    foreach (var concurrency in Wanted($"epcis {size}-event documents", quick ? [2] : [1, 4]))
    {
        results.Add(await RunAsync($"epcis {size}-event documents", concurrency, size, n => EpcisDocument(n, size), "epcis/capture", "application/ld+json",
            EpcisEventsSeenByRiskAsync, warmUp: warmUp));
        if (peerUrl is not null)
        {
            results.Add(await RunAsync($"peer epcis {size}-event", concurrency, size, n => EpcisDocument(n, size), peerUrl.ToString(), "application/ld+json", null,
                peer: true, warmUp: warmUp));
        }
    }
}

// pgbench -N at each concurrency the scenarios used: a commit ceiling at the same number of clients.
var ceilings = new Dictionary<int, double?>();
var pgbenchReady = false;
foreach (var concurrency in results.Select(r => r.Concurrency).Distinct().Order())
{
    ceilings[concurrency] = await PgbenchAsync(duration, concurrency);
}
Console.WriteLine();
Console.WriteLine($"Beside pgbench -N ({seconds} s, same PostgreSQL, same number of clients as the scenario):");
Console.WriteLine($"{"scenario",-28} {"conc",4} {"records/s",10} {"pgbench -N tps",15} {"share",7}{(peerUrl is null ? "" : $" {"vs peer",8}")}");
foreach (var row in results.Where(r => !r.Peer))
{
    var tps = ceilings[row.Concurrency];
    var versusPeer = peerUrl is null || row.Peer ? "" : results.FirstOrDefault(p => p.Peer && p.Concurrency == row.Concurrency && p.Size == row.Size && row.Scenario.StartsWith("epcis", StringComparison.Ordinal)) is { RecordsPerSecond: > 0 } p
        ? $" {row.RecordsPerSecond / p.RecordsPerSecond,7:F1}×"
        : "";
    Console.WriteLine($"{row.Scenario,-28} {row.Concurrency,4} {row.RecordsPerSecond,10:F0} {(tps is { } t ? t.ToString("F0", CultureInfo.InvariantCulture) : "n/a"),15} {(tps is { } c ? (row.RecordsPerSecond / c).ToString("P0", CultureInfo.InvariantCulture) : "n/a"),7}{versusPeer}");
}
if (peerUrl is not null)
{
    // Both systems, the same documents, the same machine, one after the other in this run: the multiple is the result
    // (on a busy machine the rates move with the load; CPU per event, with --profile, moves much less). Each system's CPU
    // is its own: ours is PostgreSQL, Provenance, Risk and RabbitMQ (everything up to Risk's evaluation), the peer's is
    // PostgreSQL and the peer.
    Console.WriteLine();
    Console.WriteLine($"Side by side with the peer ({peerUrl}):");
    Console.WriteLine($"{"EPCIS documents",-16} {"conc",4} {"ours events/s",14} {"peer events/s",14} {"ours ÷ peer",12}{(profiling ? $" {"ours CPU ms/event",18} {"peer CPU ms/event",18}" : "")}");
    foreach (var row in results.Where(r => !r.Peer && r.Scenario.StartsWith("epcis", StringComparison.Ordinal)))
    {
        var peerRow = results.FirstOrDefault(p => p.Peer && p.Concurrency == row.Concurrency && p.Size == row.Size);
        var multiple = peerRow is { RecordsPerSecond: > 0 } ? $"{row.RecordsPerSecond / peerRow.RecordsPerSecond:F1}×" : "—";
        var cpu = profiling ? $" {row.CpuPerRecord,18:F3} {peerRow?.CpuPerRecord ?? double.NaN,18:F3}" : "";
        Console.WriteLine($"{row.Size + "-event",-16} {row.Concurrency,4} {row.RecordsPerSecond,14:F0} {peerRow?.RecordsPerSecond ?? 0,14:F0} {multiple,12}{cpu}");
    }
}
if (only is null && onlyConcurrency is null)
{
    await VerifyChainAsync(ChainRecords());
    await auditsBench.RunAsync(http, key, claims);
    await GrievancesBench.RunAsync(http, key, connectionString, duration, quick);
    await riskBench.RunAsync();
}
return 0;

int ChainRecords() => Argument("--chain-records") is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : quick ? 10_000 : 100_000;

// Hash-chain verification: a fresh exporter gets a chain of `records` EPCIS events (1,000-event documents,
// four at a time), then one GET /api/v1/chain/verify re-reads and re-hashes every record.
async Task VerifyChainAsync(int records)
{
    var chainKey = await OnboardAsync($"{exporter}-chain");
    var clock = Stopwatch.StartNew();
    var documents = 0;
    await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
    {
        for (var first = Interlocked.Increment(ref documents) * 1000 - 1000; first < records; first = Interlocked.Increment(ref documents) * 1000 - 1000)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "epcis/capture")
            {
                Content = new StringContent(EpcisDocument(first / 1000, Math.Min(1000, records - first)), Encoding.UTF8, "application/ld+json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", chainKey);
            using var response = await http.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"capture for the chain answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
        }
    }));
    var written = clock.Elapsed;
    // Verification of a long chain can outlast the ingest client's timeout on a busy machine.
    using var patient = new HttpClient { BaseAddress = provenance, Timeout = TimeSpan.FromMinutes(30) };
    using var verify = new HttpRequestMessage(HttpMethod.Get, "api/v1/chain/verify");
    verify.Headers.Authorization = new AuthenticationHeaderValue("Bearer", chainKey);
    clock.Restart();
    using var verified = await patient.SendAsync(verify);
    var took = clock.Elapsed.TotalSeconds;
    var result = await verified.Content.ReadFromJsonAsync<JsonElement>();
    var links = result.GetProperty("links").GetInt64();
    Console.WriteLine();
    Console.WriteLine($"chain verification: {links:N0} records in {took:F1} s = {links / took:F0} records/s (ok: {result.GetProperty("ok").GetBoolean()}; " +
        $"the chain was written in {written.TotalSeconds:F0} s)");
}

IEnumerable<int> Wanted(string scenario, int[] concurrencies) =>
    only is not null && !scenario.StartsWith(only, StringComparison.OrdinalIgnoreCase) && !(only == "epcis" && scenario.StartsWith("epcis", StringComparison.Ordinal))
        ? []
        : concurrencies.Where(c => onlyConcurrency is null || onlyConcurrency.Contains(c));

async Task<Row> RunAsync(string name, int concurrency, int recordsPerRequest, Func<long, string> body, string path, string mediaType, Func<Task<long>>? riskCount,
    bool peer = false, TimeSpan warmUp = default)
{
    var riskBefore = riskCount is null ? 0 : await riskCount();
    // Not counted: each system's code paths compiled and its connection pools filled before the clock starts, so a
    // system is not measured on its first seconds (the peer starts cold; ours has served the earlier scenarios).
    var (warmUpRequests, _) = warmUp > TimeSpan.Zero ? await DriveAsync(warmUp, null) : (0L, 0);
    if (profiling)
    {
        await profile.ResetStatementsAsync();
    }
    var cpuBefore = profiling ? profile.Sample() : null;
    var switchesBefore = profiling ? profile.Switches() : null;
    var latencies = new List<double>();
    var clock = Stopwatch.StartNew();
    var (requests, errors) = await DriveAsync(duration, latencies);
    var sendTime = clock.Elapsed;
    var expected = riskBefore + (warmUpRequests + requests) * recordsPerRequest;
    double? riskDone = null;
    while (riskCount is not null && clock.Elapsed < sendTime + TimeSpan.FromMinutes(5))
    {
        if (await riskCount() >= expected)
        {
            riskDone = clock.Elapsed.TotalSeconds;
            break;
        }
        await Task.Delay(50);
    }
    latencies.Sort();
    var records = requests * recordsPerRequest;
    var rate = records / sendTime.TotalSeconds;
    Console.WriteLine($"{name,-28} {concurrency,4} {requests,9} {records,9} {rate,10:F0} {Percentile(latencies, 0.50),8:F1} {Percentile(latencies, 0.99),8:F1} {errors,6} {(riskDone is { } d ? d.ToString("F1", CultureInfo.InvariantCulture) : "n/a"),11}");
    var cpuPerRecord = double.NaN;
    if (cpuBefore is not null)
    {
        // Until Risk is done: its work for these records belongs to this scenario.
        var switchesAfter = profile.Switches();
        var parts = await profile.PrintAsync(cpuBefore, profile.Sample(), records, name.StartsWith("shipments", StringComparison.Ordinal) ? "shipment" : "event");
        Profile.PrintSwitches(switchesBefore!, switchesAfter, records, name.StartsWith("shipments", StringComparison.Ordinal) ? "shipment" : "event");
        // The system's own CPU: the database and its processes (ours: Provenance, Risk, RabbitMQ; the peer: itself), not the load generator.
        string[] own = peer ? ["postgres", "peer"] : ["postgres", "provenance", "risk", "rabbitmq"];
        cpuPerRecord = own.Sum(p => parts.TryGetValue(p, out var ms) ? ms : 0);
    }
    return new Row(name, concurrency, rate, peer, recordsPerRequest, cpuPerRecord);

    // `concurrency` clients send for `howLong`; the answered requests' latencies go to `latencies` when given.
    async Task<(long Requests, int Errors)> DriveAsync(TimeSpan howLong, List<double>? latencies)
    {
        var errors = 0;
        long requests = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            var mine = new List<double>();
            while (clock.Elapsed < howLong)
            {
                var n = Interlocked.Increment(ref sequence);
                using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body(n), Encoding.UTF8) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
                if (peer)
                {
                    foreach (var (header, value) in peerHeaders)
                    {
                        request.Headers.TryAddWithoutValidation(header, value);
                    }
                }
                else
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                }
                var started = Stopwatch.GetTimestamp();
                using var response = await http.SendAsync(request);
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (response.IsSuccessStatusCode)
                {
                    mine.Add(elapsed);
                    Interlocked.Increment(ref requests);
                }
                else
                {
                    Interlocked.Increment(ref errors);
                }
            }
            if (latencies is not null)
            {
                lock (latencies)
                {
                    latencies.AddRange(mine);
                }
            }
        }));
        return (requests, errors);
    }
}

static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

string ShipmentBody(long n) => n % 3 == 0
    ? """{"hsCode":"1801.00","commodity":"Cocoa","originCountry":"CI","quantity":2500,"unit":"kg","shipDate":"2026-11-02"}"""
    : """{"hsCode":"0901.11","commodity":"Coffee","originCountry":"BR","quantity":1200,"unit":"kg","shipDate":"2026-11-02"}""";

string EpcisDocument(long n, int size)
{
    const int EpcsPerEvent = 10;
    var events = new StringBuilder();
    for (var i = 0; i < size; i++)
    {
        if (i > 0)
        {
            events.Append(',');
        }
        var bizStep = i % 2 == 0 ? "shipping" : "receiving";
        // Ten EPCs per event, as issue #7's figures (ours and the peer's) were measured: a case of ten items.
        var epcs = string.Join(',', Enumerable.Range(0, EpcsPerEvent).Select(k => $"\"urn:epc:id:sgtin:0614141.107346.{exporter}-{n}-{i}-{k}\""));
        events.Append(CultureInfo.InvariantCulture, $$"""
            {"type":"ObjectEvent","eventTime":"2026-11-02T09:{{i % 60:00}}:00.000Z","eventTimeZoneOffset":"+00:00","action":"OBSERVE",
             "bizStep":"{{bizStep}}","disposition":"in_transit","epcList":[{{epcs}}],
             "readPoint":{"id":"urn:epc:id:sgln:0614141.00777.0"},"bizLocation":{"id":"urn:epc:id:sgln:0614141.00888.0"}
            """).Append('}');
    }
    return $$"""{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-11-02T10:00:00Z","epcisBody":{"eventList":[""" + events + "]}}";
}

async Task<long> ShipmentsEvaluatedAsync() =>
    await ScalarAsync("SELECT count(*) FROM risk.shipment_evaluation WHERE tenant_id = @Exporter");

async Task<long> EpcisEventsSeenByRiskAsync() =>
    await ScalarAsync("SELECT count(*) FROM risk.provenance_link WHERE tenant_id = @Exporter");

async Task<long> ScalarAsync(string sql)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection);
    command.Parameters.AddWithValue("Exporter", exporter);
    return (long)(await command.ExecuteScalarAsync())!;
}

async Task<string> OnboardAsync(string id)
{
    using var create = new HttpRequestMessage(HttpMethod.Post, "admin/exporters") { Content = JsonContent.Create(new { id, name = "Benchmark exporter" }) };
    create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
    (await http.SendAsync(create)).EnsureSuccessStatusCode();
    using var issue = new HttpRequestMessage(HttpMethod.Post, $"admin/exporters/{id}/keys");
    issue.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
    using var issued = await http.SendAsync(issue);
    issued.EnsureSuccessStatusCode();
    return (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
}

async Task<double?> PgbenchAsync(TimeSpan time, int clients)
{
    var bin = Environment.GetEnvironmentVariable("TRACEABILITY_PG_BIN") ?? "/usr/lib/postgresql/15/bin";
    var pgbench = Path.Combine(bin, "pgbench");
    if (!File.Exists(pgbench))
    {
        Console.WriteLine($"pgbench not found at {pgbench}: no ceiling to compare with.");
        return null;
    }
    var builder = new NpgsqlConnectionStringBuilder(connectionString);
    await using (var admin = new NpgsqlConnection(connectionString))
    {
        await admin.OpenAsync();
        await using var exists = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = 'bench_pgbench'", admin);
        if ((long)(await exists.ExecuteScalarAsync())! == 0)
        {
            await using var create = new NpgsqlCommand("CREATE DATABASE bench_pgbench", admin);
            await create.ExecuteNonQueryAsync();
        }
    }
    string[] common = ["-h", builder.Host!, "-p", builder.Port.ToString(CultureInfo.InvariantCulture), "-U", builder.Username!];
    if (!pgbenchReady)
    {
        await RunProcessAsync(pgbench, [.. common, "-i", "-q", "-s", "4", "bench_pgbench"], builder.Password);
        pgbenchReady = true;
    }
    var output = await RunProcessAsync(pgbench, [.. common, "-N", "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", Math.Min(clients, 2).ToString(CultureInfo.InvariantCulture), "-T", ((int)time.TotalSeconds).ToString(CultureInfo.InvariantCulture), "bench_pgbench"], builder.Password);
    var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("tps = ", StringComparison.Ordinal));
    return line is null ? null : double.Parse(line[6..].Split(' ')[0], CultureInfo.InvariantCulture);
}

static async Task<string> RunProcessAsync(string file, string[] arguments, string? password)
{
    var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var argument in arguments)
    {
        start.ArgumentList.Add(argument);
    }
    if (password is not null)
    {
        start.Environment["PGPASSWORD"] = password;
    }
    using var process = Process.Start(start)!;
    var output = await process.StandardOutput.ReadToEndAsync();
    var error = await process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    return process.ExitCode == 0 ? output : throw new InvalidOperationException($"{Path.GetFileName(file)} failed: {error}");
}

string? Argument(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

internal sealed record Row(string Scenario, int Concurrency, double RecordsPerSecond, bool Peer, int Size, double CpuPerRecord);
