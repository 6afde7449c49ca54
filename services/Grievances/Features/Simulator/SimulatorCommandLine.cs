using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Traceability.Grievances.Sms;

namespace Traceability.Grievances.Features.Simulator;

/// <summary>
/// <c>dotnet Traceability.Grievances.dll simulate [--url &lt;address&gt;] &lt;from&gt; &lt;text…&gt;</c>: plays a worker's phone
/// against the running service (at <c>--url</c>, else Sms__PublicBaseUrl; signed with Sms__Twilio__AuthToken over
/// Sms__PublicBaseUrl, as Twilio signs), then prints the first replies as soon as they arrive (the service must run
/// with Sms__SimulatorEnabled). <c>--url</c> serves a service whose public address is not reachable from here (behind
/// a proxy or a tunnel).
/// </summary>
internal static class SimulatorCommandLine
{
    /// <summary>How long the command waits for the service's replies before it says there were none.</summary>
    private static readonly TimeSpan ReplyWait = TimeSpan.FromSeconds(20);

    public static bool Handles(string[] args) => args.Length > 0 && args[0] == "simulate";

    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        var sms = app.Services.GetRequiredService<IOptions<SmsOptions>>().Value;
        var target = sms.PublicBaseUrl;
        var rest = args[1..];
        if (rest.Length > 0 && rest[0] == "--url")
        {
            if (rest.Length < 2 || !Uri.TryCreate(rest[1], UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                Console.Error.WriteLine("--url takes the service's address, e.g. http://127.0.0.1:5103");
                return 2;
            }
            (target, rest) = (rest[1], rest[2..]);
        }
        if (rest.Length < 2)
        {
            Console.Error.WriteLine("usage: simulate [--url <the service's address>] <from, e.g. +8801712345678> <text>");
            return 2;
        }
        var (from, text) = (rest[0], string.Join(' ', rest[1..]));
        using var http = new HttpClient { BaseAddress = new Uri(target.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(30) };
        var before = await LinesAsync(http, from);
        using var answer = await SimulatedGateway.SendAsync(http, target, sms.PublicBaseUrl, sms.Twilio.AuthToken, from, sms.Numbers.FirstOrDefault() ?? "+15005550006", text, CancellationToken.None);
        Console.WriteLine($"> {text}   ({(int)answer.StatusCode})");
        if (!answer.IsSuccessStatusCode)
        {
            return 1;
        }
        var waiting = System.Diagnostics.Stopwatch.StartNew();
        while (waiting.Elapsed < ReplyWait)
        {
            var lines = await LinesAsync(http, from);
            var replies = lines.Skip(before.Count).Where(l => l.Direction == "out").ToList();
            if (replies.Count > 0)
            {
                foreach (var reply in replies)
                {
                    Console.WriteLine($"< {reply.Text}");
                }
                return 0;
            }
            await Task.Delay(100);
        }
        Console.WriteLine($"(no reply within {ReplyWait.TotalSeconds:0} s)");
        return 0;
    }

    private static async Task<IReadOnlyList<SimulatorLine>> LinesAsync(HttpClient http, string from) =>
        await http.GetFromJsonAsync<List<SimulatorLine>>($"simulator/conversation?from={Uri.EscapeDataString(from)}", new JsonSerializerOptions(JsonSerializerDefaults.Web)) ?? [];
}
