using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Traceability.Benchmarks;

/// <summary>
/// Grievances: how many Twilio webhooks the service answers per second (each a signed SMS from a new sender,
/// stored with its outbox row before the answer), and how long an SMS takes to become a flag in Risk (the
/// last message of a grievance in a forced-labour category → the facility's flag visible in Risk's table).
/// Prints figures; asserts nothing. Environment: GRIEVANCES_URL, Sms__Twilio__AuthToken, Sms__PublicBaseUrl.
/// </summary>
internal static class GrievancesBench
{
    public static async Task RunAsync(HttpClient provenance, string exporterKey, string connectionString, TimeSpan duration, bool quick)
    {
        var url = new Uri(Environment.GetEnvironmentVariable("GRIEVANCES_URL") ?? "http://127.0.0.1:5103/");
        var token = Environment.GetEnvironmentVariable("Sms__Twilio__AuthToken") ?? throw new InvalidOperationException("Sms__Twilio__AuthToken is required.");
        var publicBase = Environment.GetEnvironmentVariable("Sms__PublicBaseUrl") ?? url.ToString().TrimEnd('/');
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = url, Timeout = TimeSpan.FromSeconds(60) };
        var senders = 0L;

        Console.WriteLine();
        Console.WriteLine($"{"grievances scenario",-28} {"conc",4} {"answers",9} {"answers/s",10} {"p50 ms",8} {"p99 ms",8} {"errors",6}");
        foreach (var concurrency in quick ? new[] { 4 } : [1, 4, 16])
        {
            var latencies = new List<double>();
            var errors = 0;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
            {
                while (clock.Elapsed < duration)
                {
                    var from = $"+88017{Interlocked.Increment(ref senders) % 100_000_000:D8}";
                    var started = Stopwatch.GetTimestamp();
                    using var response = await PostAsync(http, publicBase, token, from, "HELP");
                    var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    lock (latencies)
                    {
                        latencies.Add(ms);
                        errors += response.IsSuccessStatusCode ? 0 : 1;
                    }
                }
            }));
            Console.WriteLine($"{"webhook (Twilio, signed)",-28} {concurrency,4} {latencies.Count,9} {latencies.Count / clock.Elapsed.TotalSeconds,10:F0} {Percentile(latencies, 50),8:F1} {Percentile(latencies, 99),8:F1} {errors,6}");
        }

        // The conversations behind those answers run after them: wait until they are all read, so the next figure is not a backlog's.
        await using (var backlog = new NpgsqlConnection(connectionString))
        {
            await backlog.OpenAsync();
            var draining = Stopwatch.StartNew();
            long left;
            do
            {
                await using var count = new NpgsqlCommand("SELECT count(*) FROM grievances.inbound_message WHERE processed_at IS NULL", backlog);
                left = (long)(await count.ExecuteScalarAsync())!;
                if (left > 0)
                {
                    await Task.Delay(100);
                }
            }
            while (left > 0 && draining.Elapsed < TimeSpan.FromMinutes(5));
            Console.WriteLine($"conversations behind the answers: every message read {draining.Elapsed.TotalSeconds:F1} s after the last answer ({left} left)");
        }

        // SMS → flag: each worker files at a facility of its own, so each flag is one worker's.
        var workers = quick ? 10 : 40;
        var facilities = new List<(string Gln, string Code)>();
        await using var database = new NpgsqlConnection(connectionString);
        await database.OpenAsync();
        for (var i = 0; i < workers; i++)
        {
            var gln = Gln($"9{DateTime.UtcNow:MMddHHmm}{i:D3}");
            using var created = await provenance.SendAsync(new HttpRequestMessage(HttpMethod.Post, "api/v1/facilities")
            {
                Headers = { Authorization = new AuthenticationHeaderValue("Bearer", exporterKey) },
                Content = JsonContent.Create(new { gln, name = $"Bench Garments {gln}", country = "BD", type = "factory" }),
            });
            var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
            string? code = null;
            for (var wait = 0; code is null && wait < 600; wait++)
            {
                await using var find = new NpgsqlCommand("SELECT poster_code FROM grievances.facility WHERE id = @id", database);
                find.Parameters.AddWithValue("id", id);
                code = (string?)await find.ExecuteScalarAsync();
                if (code is null)
                {
                    await Task.Delay(50);
                }
            }
            facilities.Add((gln, code ?? throw new InvalidOperationException("Grievances did not learn the facility.")));
        }
        var toFlag = new List<double>();
        var clockAll = Stopwatch.StartNew();
        await Task.WhenAll(facilities.Select(async (facility, i) =>
        {
            var from = $"+88019{i:D8}";
            foreach (var text in new[] { "1", facility.Code, "2", "Our passports were taken on arrival.", "2" })
            {
                using var response = await PostAsync(http, publicBase, token, from, text);
            }
            var sent = Stopwatch.GetTimestamp();
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            while (Stopwatch.GetElapsedTime(sent) < TimeSpan.FromSeconds(60))
            {
                await using var flag = new NpgsqlCommand(
                    "SELECT count(*) FROM risk.flag WHERE subject_type = 'facility' AND subject_id = @gln AND rule_id = 'grievance-forced-labour'", connection);
                flag.Parameters.AddWithValue("gln", facility.Gln);
                if ((long)(await flag.ExecuteScalarAsync())! > 0)
                {
                    lock (toFlag)
                    {
                        toFlag.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                    }
                    return;
                }
                await Task.Delay(5);
            }
        }));
        Console.WriteLine();
        Console.WriteLine($"SMS → flag visible in Risk: {toFlag.Count} of {workers} grievances (sent at once) flagged in {clockAll.Elapsed.TotalSeconds:F1} s; " +
            $"from the last SMS answered to the flag: p50 {Percentile(toFlag, 50):F0} ms, p99 {Percentile(toFlag, 99):F0} ms (goal p99 < 2,000 ms)");
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, string publicBase, string token, string from, string text)
    {
        var form = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["MessageSid"] = "SM" + Guid.NewGuid().ToString("N"), ["AccountSid"] = "ACbench", ["From"] = from, ["To"] = "+15005550006", ["Body"] = text,
        };
        var signed = new StringBuilder(publicBase.TrimEnd('/') + "/sms/twilio/inbound");
        foreach (var (name, value) in form)
        {
            signed.Append(name).Append(value);
        }
        var request = new HttpRequestMessage(HttpMethod.Post, "sms/twilio/inbound") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(signed.ToString()))));
        return http.SendAsync(request);
    }

    private static string Gln(string twelve)
    {
        var sum = twelve.Select((c, i) => (c - '0') * (i % 2 == 0 ? 1 : 3)).Sum();
        return twelve + ((10 - sum % 10) % 10).ToString(CultureInfo.InvariantCulture);
    }

    private static double Percentile(List<double> values, int percent)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(percent / 100.0 * sorted.Count) - 1)];
    }
}
