using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Traceability.Grievances.Features.ReceiveSms;
using Traceability.Grievances.Sms;

namespace Traceability.Grievances.Features.SendSms;

/// <summary>One SMS to send: the id is ours (an idempotency key where the provider takes one).</summary>
public sealed record OutgoingSms(Guid Id, string To, string From, string Text);

/// <summary>What the provider said: its id for the message, or why it refused for good.</summary>
public sealed record SendResult(string? ProviderMessageId, string? PermanentError);

/// <summary>A provider's API. Transient failures (down, 5xx, timeouts after the resilience handler's retries) throw; refusals return.</summary>
public interface ISmsGateway
{
    /// <summary>Sends one message.</summary>
    Task<SendResult> SendAsync(OutgoingSms sms, CancellationToken cancellationToken);
}

/// <summary>Thrown when the provider could not be reached or failed; the message is tried again later.</summary>
public sealed class GatewayUnavailableException(string message) : Exception(message);

/// <summary>Twilio's Messages API (POST /2010-04-01/Accounts/{sid}/Messages.json, Basic auth sid:token).</summary>
public sealed class TwilioGateway(HttpClient http, IOptions<SmsOptions> options) : ISmsGateway
{
    /// <inheritdoc />
    public async Task<SendResult> SendAsync(OutgoingSms sms, CancellationToken cancellationToken)
    {
        var twilio = options.Value.Twilio;
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{twilio.ApiBaseUrl.TrimEnd('/')}/2010-04-01/Accounts/{twilio.AccountSid}/Messages.json")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["To"] = sms.To, ["From"] = sms.From, ["Body"] = sms.Text,
                ["StatusCallback"] = options.Value.PublicBaseUrl.TrimEnd('/') + "/sms/twilio/status",
            }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{twilio.AccountSid}:{twilio.AuthToken}")));
        return await GatewayHttp.SendAsync(http, request, json => json.GetProperty("sid").GetString(), cancellationToken);
    }
}

/// <summary>Africa's Talking's bulk SMS API (POST /version1/messaging, header apiKey).</summary>
public sealed class AfricasTalkingGateway(HttpClient http, IOptions<SmsOptions> options) : ISmsGateway
{
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
        }, cancellationToken);
    }
}

/// <summary>Any other aggregator: JSON {id, to, from, text} with X-Signature (HMAC-SHA256 of the body) and Idempotency-Key.</summary>
public sealed class GenericGateway(HttpClient http, IOptions<SmsOptions> options) : ISmsGateway
{
    /// <inheritdoc />
    public async Task<SendResult> SendAsync(OutgoingSms sms, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new { id = sms.Id, to = sms.To, from = sms.From, text = sms.Text });
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Value.Generic.OutboundUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Signature", ReceiveSmsEndpoints.GenericSignature(options.Value.Generic.Secret, body));
        // The aggregator can drop a repeat of the same reply (a retry after a lost answer).
        request.Headers.Add("Idempotency-Key", sms.Id.ToString());
        return await GatewayHttp.SendAsync(http, request, json => json.TryGetProperty("id", out var id) ? id.ToString() : sms.Id.ToString(), cancellationToken);
    }
}

/// <summary>The simulator: nothing leaves the machine; the message counts as delivered and the simulator page shows it.</summary>
public sealed class SimulatorGateway : ISmsGateway
{
    /// <inheritdoc />
    public Task<SendResult> SendAsync(OutgoingSms sms, CancellationToken cancellationToken) =>
        Task.FromResult(new SendResult("sim-" + sms.Id.ToString("N"), null));
}

internal static class GatewayHttp
{
    public static async Task<SendResult> SendAsync(HttpClient http, HttpRequestMessage request, Func<JsonElement, string?> readId, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or TimeoutException
            or Polly.CircuitBreaker.BrokenCircuitException or Polly.Timeout.TimeoutRejectedException && !cancellationToken.IsCancellationRequested)
        {
            throw new GatewayUnavailableException($"The provider could not be reached: {exception.GetType().Name}");
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if ((int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout)
            {
                throw new GatewayUnavailableException($"The provider answered {(int)response.StatusCode}.");
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
                return new SendResult(null, "The provider's answer could not be read; the message may have been sent.");
            }
        }
    }
}
