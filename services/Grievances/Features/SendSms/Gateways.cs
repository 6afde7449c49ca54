using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Traceability.Grievances.Features.ReceiveSms;
using Traceability.Grievances.Sms;

namespace Traceability.Grievances.Features.SendSms;

/// <summary>One SMS to send: the id is ours (an idempotency key where the provider takes one).</summary>
public sealed record OutgoingSms(Guid Id, string To, string From, string Text);

/// <summary>What the provider said: its id for the message, or why it refused for good.</summary>
public sealed record SendResult(string? ProviderMessageId, string? PermanentError);

/// <summary>
/// A provider's API. A message the provider surely did not take throws <see cref="GatewayUnavailableException"/>;
/// one it may or may not have taken (an answer lost after the request went out) throws
/// <see cref="SendOutcomeUnknownException"/>; refusals return.
/// </summary>
public interface ISmsGateway
{
    /// <summary>
    /// Whether the provider drops a repeat of a message it already took (an idempotency key): then a send
    /// whose answer was lost is simply made again. Without it, only a send that surely never reached the
    /// provider is made again.
    /// </summary>
    bool DropsRepeats { get; }

    /// <summary>Sends one message.</summary>
    Task<SendResult> SendAsync(OutgoingSms sms, CancellationToken cancellationToken);
}

/// <summary>A message the provider lists as taken: its id, its delivery status in the provider's words, and its error, if any.</summary>
public sealed record ProviderMessage(string Id, string Status, string? Error);

/// <summary>A provider whose API can say whether it took a message: a send whose answer was lost is looked up, not made again blindly.</summary>
public interface IMessageLookup
{
    /// <summary>The provider's messages like <paramref name="sms"/> it took at or after <paramref name="since"/>, newest first; throws when it cannot say.</summary>
    Task<IReadOnlyList<ProviderMessage>> FindAsync(OutgoingSms sms, DateTime since, CancellationToken cancellationToken);
}

/// <summary>Thrown when the provider surely did not take the message (unreachable, or it said so); the message is tried again later.</summary>
public sealed class GatewayUnavailableException(string message) : Exception(message);

/// <summary>Thrown when the request reached the provider but its answer did not reach us: it may have sent the message.</summary>
public sealed class SendOutcomeUnknownException(string message) : Exception(message);

/// <summary>
/// Which failed sends are safe to make again. A request that never left (no name, no connection, no TLS:
/// nothing was written to the provider) or that the provider refused before taking anything (429, 503)
/// can be repeated; a timeout or a lost answer after the request was sent cannot be, unless the provider
/// drops repeats.
/// </summary>
public static class SendOutcomes
{
    /// <summary>True when the request surely never reached the provider's application.</summary>
    public static bool SurelyNotSent(Exception exception) => exception switch
    {
        HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError } => true,
        // An open circuit or the rate limiter refused the call before it was made.
        Polly.CircuitBreaker.BrokenCircuitException or Polly.RateLimiting.RateLimiterRejectedException => true,
        _ => false,
    };

    /// <summary>True when the provider answered that it took nothing and that a later try is welcome.</summary>
    public static bool SurelyNotSent(HttpStatusCode status) => status is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable;

    /// <summary>
    /// The standard resilience pipeline for one provider, tuned under <paramref name="section"/>. For a provider
    /// that does not drop repeats, the retry strategy handles only outcomes that surely never reached it, so a
    /// POST whose answer timed out is never sent a second time by the handler.
    /// </summary>
    public static void Configure(HttpStandardResilienceOptions options, IConfiguration section, bool dropsRepeats)
    {
        section.Bind(options);
        if (!dropsRepeats)
        {
            options.Retry.ShouldHandle = arguments => ValueTask.FromResult(arguments.Outcome switch
            {
                { Exception: { } exception } => SurelyNotSent(exception),
                { Result: { } response } => SurelyNotSent(response.StatusCode),
                _ => false,
            });
        }
    }
}

/// <summary>Twilio's Messages API (POST /2010-04-01/Accounts/{sid}/Messages.json, Basic auth sid:token).</summary>
/// <remarks>
/// Twilio takes no idempotency key for messages: a send whose answer was lost is looked up in its
/// Messages list (same To and From, same body, created since the attempt) before it is made again, and
/// the status callback names our message (<c>?reply=</c>), so Twilio's first callback settles it too.
/// </remarks>
public sealed class TwilioGateway(HttpClient http, IOptions<SmsOptions> options) : ISmsGateway, IMessageLookup
{
    /// <inheritdoc />
    public bool DropsRepeats => false;

    private string Messages => $"{options.Value.Twilio.ApiBaseUrl.TrimEnd('/')}/2010-04-01/Accounts/{options.Value.Twilio.AccountSid}/Messages.json";

    /// <inheritdoc />
    public async Task<SendResult> SendAsync(OutgoingSms sms, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Messages)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["To"] = sms.To, ["From"] = sms.From, ["Body"] = sms.Text,
                ["StatusCallback"] = options.Value.PublicBaseUrl.TrimEnd('/') + "/sms/twilio/status?reply=" + sms.Id.ToString("N"),
            }),
        };
        Authorize(request);
        return await GatewayHttp.SendAsync(http, request, json => json.GetProperty("sid").GetString(), DropsRepeats, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ProviderMessage>> FindAsync(OutgoingSms sms, DateTime since, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get,
            $"{Messages}?To={Uri.EscapeDataString(sms.To)}&From={Uri.EscapeDataString(sms.From)}&PageSize=50");
        Authorize(request);
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new GatewayUnavailableException($"Twilio's message list answered {(int)response.StatusCode}.");
        }
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        var found = new List<ProviderMessage>();
        foreach (var message in json.RootElement.GetProperty("messages").EnumerateArray())
        {
            var created = Rfc2822(message.GetProperty("date_created").GetString()!);
            if (message.GetProperty("body").GetString() == sms.Text && created >= since.AddSeconds(-1))
            {
                // Where it got to as well (Twilio's error_code is a number, or null): a message its callback never reported
                // is settled from here as delivered or failed, not left "sent".
                var error = message.TryGetProperty("error_code", out var code) && code.ValueKind == JsonValueKind.Number
                    ? $"Twilio error {code.GetInt32().ToString(CultureInfo.InvariantCulture)}" +
                      (message.TryGetProperty("error_message", out var text) && text.GetString() is { Length: > 0 } words ? $": {words}" : "")
                    : null;
                found.Add(new ProviderMessage(message.GetProperty("sid").GetString()!, message.GetProperty("status").GetString()!, error));
            }
        }
        return found;
    }

    /// <summary>Twilio's dates: RFC 2822, "Thu, 26 Nov 2026 14:00:00 +0000", to the second.</summary>
    internal static DateTime Rfc2822(string text)
    {
        var cut = text.LastIndexOf(' ');
        var local = DateTime.ParseExact(text[..cut], "ddd, dd MMM yyyy HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        var zone = text[(cut + 1)..];
        var offset = new TimeSpan(int.Parse(zone[1..3], CultureInfo.InvariantCulture), int.Parse(zone[3..5], CultureInfo.InvariantCulture), 0);
        return zone[0] == '-' ? local + offset : local - offset;
    }

    private void Authorize(HttpRequestMessage request)
    {
        var twilio = options.Value.Twilio;
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{twilio.AccountSid}:{twilio.AuthToken}")));
    }
}

/// <summary>Africa's Talking's bulk SMS API (POST /version1/messaging, header apiKey).</summary>
/// <remarks>
/// It takes no idempotency key and has no way to look a sent message up: a send whose answer was lost
/// stays <c>unknown</c> (at most once; caseworkers see it on the case), and is never made again.
/// </remarks>
public sealed class AfricasTalkingGateway(HttpClient http, IOptions<SmsOptions> options) : ISmsGateway
{
    /// <inheritdoc />
    public bool DropsRepeats => false;

    /// <inheritdoc />
    public async Task<SendResult> SendAsync(OutgoingSms sms, CancellationToken cancellationToken)
    {
        var at = options.Value.AfricasTalking;
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{at.ApiBaseUrl.TrimEnd('/')}/version1/messaging")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = at.Username, ["to"] = sms.To, ["message"] = sms.Text, ["from"] = sms.From }),
        };
        request.Headers.Add("apiKey", at.ApiKey);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return await GatewayHttp.SendAsync(http, request, json =>
        {
            var recipient = json.GetProperty("SMSMessageData").GetProperty("Recipients")[0];
            return recipient.GetProperty("messageId").GetString();
        }, DropsRepeats, cancellationToken);
    }
}

/// <summary>Any other aggregator: JSON {id, to, from, text} with X-Signature (HMAC-SHA256 of the body) and Idempotency-Key.</summary>
public sealed class GenericGateway(HttpClient http, IOptions<SmsOptions> options) : ISmsGateway
{
    /// <inheritdoc />
    public bool DropsRepeats => true;

    /// <inheritdoc />
    public async Task<SendResult> SendAsync(OutgoingSms sms, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new { id = sms.Id, to = sms.To, from = sms.From, text = sms.Text });
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Value.Generic.OutboundUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Signature", ReceiveSmsEndpoints.GenericSignature(options.Value.Generic.Secret, body));
        // The aggregator can drop a repeat of the same reply (a retry after a lost answer).
        request.Headers.Add("Idempotency-Key", sms.Id.ToString());
        return await GatewayHttp.SendAsync(http, request, json => json.TryGetProperty("id", out var id) ? id.ToString() : sms.Id.ToString(), DropsRepeats, cancellationToken);
    }
}

/// <summary>The simulator: nothing leaves the machine; the message counts as delivered and the simulator page shows it.</summary>
public sealed class SimulatorGateway : ISmsGateway
{
    /// <inheritdoc />
    public bool DropsRepeats => true;

    /// <inheritdoc />
    public Task<SendResult> SendAsync(OutgoingSms sms, CancellationToken cancellationToken) =>
        Task.FromResult(new SendResult("sim-" + sms.Id.ToString("N"), null));
}

internal static class GatewayHttp
{
    public static async Task<SendResult> SendAsync(HttpClient http, HttpRequestMessage request, Func<JsonElement, string?> readId, bool dropsRepeats,
        CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or TimeoutException
            or Polly.CircuitBreaker.BrokenCircuitException or Polly.Timeout.TimeoutRejectedException or Polly.RateLimiting.RateLimiterRejectedException
            && !cancellationToken.IsCancellationRequested)
        {
            if (dropsRepeats || SendOutcomes.SurelyNotSent(exception))
            {
                throw new GatewayUnavailableException($"The provider could not be reached: {exception.GetType().Name}");
            }
            throw new SendOutcomeUnknownException($"The request may have reached the provider, its answer did not come: {exception.GetType().Name}");
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (SendOutcomes.SurelyNotSent(response.StatusCode) || (dropsRepeats && ((int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.RequestTimeout)))
            {
                throw new GatewayUnavailableException($"The provider answered {(int)response.StatusCode}.");
            }
            if ((int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.RequestTimeout)
            {
                // A 500, 502 or 504 may come after the provider took the message (a proxy timing out behind it).
                throw new SendOutcomeUnknownException($"The provider answered {(int)response.StatusCode}; it may have taken the message.");
            }
            if (!response.IsSuccessStatusCode)
            {
                // The provider's words, without the number it may repeat back.
                return new SendResult(null, $"The provider refused the message with {(int)response.StatusCode}.");
            }
            try
            {
                using var json = JsonDocument.Parse(text);
                return new SendResult(readId(json.RootElement), null);
            }
            catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
            {
                throw new SendOutcomeUnknownException("The provider's answer could not be read; the message may have been sent.");
            }
        }
    }
}
