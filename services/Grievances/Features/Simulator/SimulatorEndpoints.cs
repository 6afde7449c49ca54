using System.Text;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Traceability.Data;
using Traceability.Grievances.Privacy;
using Traceability.Grievances.Sms;

namespace Traceability.Grievances.Features.Simulator;

/// <summary>What the simulator page sends: a worker's number and text.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SimulatedSms(string? From, string? Text);

/// <summary>One line of the simulated phone's screen.</summary>
public sealed record SimulatorLine(DateTime At, string Direction, string Text, string Status);

internal static class SimulatorSql
{
    public const string Conversation = """
        SELECT received_at AS At, 'in' AS Direction, body_cipher AS Cipher, 'received' AS Status FROM grievances.inbound_message WHERE pseudonym = @Pseudonym
        UNION ALL
        SELECT created_at AS At, 'out' AS Direction, body_cipher AS Cipher, status AS Status FROM grievances.outbound_message WHERE pseudonym = @Pseudonym
        ORDER BY At
        """;
}

/// <summary>
/// Plays the worker against the running service, for local use (<c>Sms__SimulatorEnabled</c>): the page posts
/// each text to the Twilio webhook signed exactly as Twilio signs it (with <c>Sms__Twilio__AuthToken</c>, over
/// <c>Sms__PublicBaseUrl</c>), and shows the replies the simulator gateway took. Off, these paths do not exist.
/// </summary>
internal static class SimulatorEndpoints
{
    public static WebApplication MapSimulator(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<SmsOptions>>().Value.SimulatorEnabled)
        {
            return app;
        }
        var simulator = app.MapGroup("/simulator").ExcludeFromDescription();
        simulator.MapGet("", () => Results.Content(Page, "text/html; charset=utf-8"));
        simulator.MapPost("/send", SendAsync);
        simulator.MapGet("/conversation", ConversationAsync);
        return app;
    }

    private static async Task<IResult> SendAsync(SimulatedSms request, HttpContext http, IOptions<SmsOptions> options, IHttpClientFactory clients, CancellationToken cancellationToken)
    {
        var sms = options.Value;
        if (string.IsNullOrWhiteSpace(request.From) || string.IsNullOrEmpty(request.Text))
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["from"] = ["A number and a text are required."] });
        }
        using var client = clients.CreateClient("simulator");
        // Posted to this very service, signed over the public URL, as Twilio would post it through the proxy.
        var self = $"{http.Request.Scheme}://{http.Request.Host}";
        using var response = await SimulatedGateway.SendAsync(client, self, sms.PublicBaseUrl, sms.Twilio.AuthToken, request.From,
            sms.Numbers.FirstOrDefault() ?? "+15005550006", request.Text, cancellationToken);
        return Results.Json(new { status = (int)response.StatusCode }, statusCode: response.IsSuccessStatusCode ? 200 : 502);
    }

    private static async Task<IResult> ConversationAsync(string from, Database database, PrivacyVault vault, IOptions<SmsOptions> options, CancellationToken cancellationToken)
    {
        if (PhoneNumberForm.Normalise(from, options.Value.DefaultRegion) is not { } number)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["from"] = ["Not a phone number."] });
        }
        var rows = await database.QueryAsync<(DateTime At, string Direction, string Cipher, string Status)>(SimulatorSql.Conversation,
            new { Pseudonym = vault.Pseudonym(number.E164) }, cancellationToken);
        return Results.Ok(rows.Select(r => new SimulatorLine(DateTime.SpecifyKind(r.At, DateTimeKind.Utc), r.Direction, vault.Decrypt(r.Cipher), r.Status)).ToList());
    }

    private const string Page = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Grievance line simulator</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
          body { font-family: system-ui, sans-serif; max-width: 26rem; margin: 2rem auto; }
          #screen { border: 1px solid #888; border-radius: 1rem; padding: 1rem; height: 28rem; overflow-y: auto; background: #f7f7f7; }
          .in { text-align: right; } .in span { background: #cde; } .out span { background: #fff; }
          p span { display: inline-block; padding: .4rem .6rem; border-radius: .6rem; max-width: 80%; text-align: left; white-space: pre-wrap; }
          form { display: flex; gap: .5rem; margin-top: .5rem; } input[name=text] { flex: 1; }
        </style></head>
        <body>
          <h1>Grievance line simulator</h1>
          <p>Plays a worker's phone: each text goes to the Twilio webhook signed as Twilio signs it; replies come from the simulator gateway.</p>
          <label>Phone number <input id="from" value="+8801712345678" autocomplete="off"></label>
          <div id="screen" role="log" aria-live="polite"></div>
          <form id="send"><label class="visually-hidden" for="text">Message</label><input id="text" name="text" autocomplete="off"><button>Send</button></form>
          <script>
            const screen = document.getElementById('screen');
            async function refresh() {
              const from = document.getElementById('from').value;
              const answer = await fetch('/simulator/conversation?from=' + encodeURIComponent(from));
              if (!answer.ok) return;
              screen.replaceChildren(...(await answer.json()).map(line => {
                const p = document.createElement('p'); p.className = line.direction;
                const span = document.createElement('span'); span.textContent = line.text; p.append(span); return p;
              }));
              screen.scrollTop = screen.scrollHeight;
            }
            document.getElementById('send').addEventListener('submit', async event => {
              event.preventDefault();
              const text = document.getElementById('text');
              await fetch('/simulator/send', { method: 'POST', headers: { 'Content-Type': 'application/json' },
                body: JSON.stringify({ from: document.getElementById('from').value, text: text.value }) });
              text.value = '';
              refresh();
            });
            setInterval(refresh, 1000);
            refresh();
          </script>
        </body></html>
        """;
}

/// <summary>
/// A worker's SMS as Twilio delivers it: form-encoded, <c>X-Twilio-Signature</c> over the public webhook URL
/// and the sorted parameters. The simulator page and the <c>simulate</c> command send through it.
/// </summary>
public static class SimulatedGateway
{
    /// <summary>
    /// Posts one SMS to <paramref name="target"/>/sms/twilio/inbound, signed with <paramref name="token"/> over
    /// <paramref name="publicBaseUrl"/>/sms/twilio/inbound (the address Twilio would call).
    /// </summary>
    public static Task<HttpResponseMessage> SendAsync(HttpClient client, string target, string publicBaseUrl, string token, string from, string to, string text,
        CancellationToken cancellationToken)
    {
        var url = publicBaseUrl.TrimEnd('/') + "/sms/twilio/inbound";
        var form = new Dictionary<string, string>
        {
            ["MessageSid"] = "SM" + Guid.NewGuid().ToString("N"), ["AccountSid"] = "ACsimulator", ["From"] = from, ["To"] = to, ["Body"] = text, ["NumMedia"] = "0",
        };
        var request = new HttpRequestMessage(HttpMethod.Post, target.TrimEnd('/') + "/sms/twilio/inbound") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", Signature(token, url, form));
        return client.SendAsync(request, cancellationToken);
    }

    /// <summary>X-Twilio-Signature: base64 HMAC-SHA1 of the URL followed by each parameter's name and value, sorted by name then value.</summary>
    public static string Signature(string token, string url, IEnumerable<KeyValuePair<string, string>> form)
    {
        var signed = new StringBuilder(url);
        foreach (var (name, value) in form.OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal))
        {
            signed.Append(name).Append(value);
        }
        return Convert.ToBase64String(System.Security.Cryptography.HMACSHA1.HashData(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(signed.ToString())));
    }
}
