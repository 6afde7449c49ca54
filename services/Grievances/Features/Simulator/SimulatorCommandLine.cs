using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Traceability.Grievances.Sms;

namespace Traceability.Grievances.Features.Simulator;

/// <summary>
/// <c>dotnet Traceability.Grievances.dll simulate &lt;from&gt; &lt;text…&gt;</c>: plays a worker's phone against the running
/// service (Sms__PublicBaseUrl, signed with Sms__Twilio__AuthToken as Twilio signs), then prints the replies that
/// arrive within a few seconds (the service must run with Sms__SimulatorEnabled).
/// </summary>
internal static class SimulatorCommandLine
{
    public static bool Handles(string[] args) => args.Length > 0 && args[0] == "simulate";

    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        if (args.Length < 3)
        {
            Console.Error.WriteLine("usage: simulate <from, e.g. +8801712345678> <text>");
            return 2;
        }
        var sms = app.Services.GetRequiredService<IOptions<SmsOptions>>().Value;
        var (from, text) = (args[1], string.Join(' ', args[2..]));
        using var http = new HttpClient { BaseAddress = new Uri(sms.PublicBaseUrl.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(30) };
        var before = await LinesAsync(http, from);
        using var answer = await SimulatedGateway.SendAsync(http, sms.PublicBaseUrl, sms.PublicBaseUrl, sms.Twilio.AuthToken, from, sms.Numbers.FirstOrDefault() ?? "+15005550006", text, CancellationToken.None);
        Console.WriteLine($"> {text}   ({(int)answer.StatusCode})");
        if (!answer.IsSuccessStatusCode)
        {
            return 1;
        }
        for (var waited = 0; waited < 50; waited++)
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
        Console.WriteLine("(no reply within 5 s)");
        return 0;
    }

    private static async Task<IReadOnlyList<SimulatorLine>> LinesAsync(HttpClient http, string from) =>
        await http.GetFromJsonAsync<List<SimulatorLine>>($"simulator/conversation?from={Uri.EscapeDataString(from)}", new JsonSerializerOptions(JsonSerializerDefaults.Web)) ?? [];
}
