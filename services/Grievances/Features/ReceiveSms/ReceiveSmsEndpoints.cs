using System.Collections.Specialized;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Twilio.Security;
using Traceability.Grievances.Features.SendSms;
using Traceability.Grievances.Sms;
using Traceability.Hosting;

namespace Traceability.Grievances.Features.ReceiveSms;

/// <summary>
/// The gateways' webhooks. Each proves the caller is the gateway first (Twilio's signature, Africa's
/// Talking's path secret, the generic gateway's HMAC), then stores the message with one durable write
/// and answers; the conversation runs behind it. A refused caller gets 403 and nothing is stored or
/// logged but the refusal. These endpoints are not in the OpenAPI document: gateways, not clients,
/// call them, with the gateways' own formats (see README, "Grievances").
/// </summary>
internal static class ReceiveSmsEndpoints
{
    /// <summary>Largest webhook body: a long concatenated SMS with the gateway's fields is a few KiB.</summary>
    public const long MaxBodyBytes = 32 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private const string EmptyTwiml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";

    public static WebApplication MapReceiveSms(this WebApplication app)
    {
        var sms = app.MapGroup("/sms").ExcludeFromDescription().WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes));
        sms.MapPost("/twilio/inbound", (HttpContext http, CancellationToken ct) => TwilioInboundAsync(http, null, ct));
        sms.MapPost("/twilio/inbound/{account}", (HttpContext http, string account, CancellationToken ct) => TwilioInboundAsync(http, account, ct));
        sms.MapPost("/twilio/status", TwilioStatusAsync);
        sms.MapPost("/africastalking/inbound/{secret}", AfricasTalkingInboundAsync);
        sms.MapPost("/africastalking/delivery/{secret}", AfricasTalkingDeliveryAsync);
        sms.MapPost("/generic/inbound", GenericInboundAsync);
        sms.MapPost("/generic/delivery", GenericDeliveryAsync);
        return app;
    }

    private static async Task<IResult> TwilioInboundAsync(HttpContext http, string? account, CancellationToken cancellationToken)
    {
        var form = await TwilioVerifiedFormAsync(http, account, cancellationToken);
        if (form is null)
        {
            return Refused(http, "Twilio");
        }
        var inbound = http.RequestServices.GetRequiredService<InboundMessages>();
        return await StoreAsync(inbound, new IncomingSms("twilio", form["MessageSid"] ?? "", form["From"] ?? "", form["To"] ?? "", form["Body"] ?? ""),
            ("MessageSid", "From", "To", "Body"), Results.Text(EmptyTwiml, "text/xml", Encoding.UTF8), cancellationToken);
    }

    private static async Task<IResult> TwilioStatusAsync(HttpContext http, DeliveryReports reports, CancellationToken cancellationToken)
    {
        var form = await TwilioVerifiedFormAsync(http, null, cancellationToken);
        if (form is null)
        {
            return Refused(http, "Twilio");
        }
        return await ReportAsync(reports, "twilio", form["MessageSid"] ?? "", form["MessageStatus"] ?? "", form["ErrorCode"], Results.NoContent(), cancellationToken,
            "MessageSid", "MessageStatus");
    }

    /// <summary>
    /// Twilio signs the URL it called (with the query) and, for a form, its parameters; for a JSON body the
    /// URL carries bodySHA256. The URL is rebuilt from configuration, never from Host or X-Forwarded-*
    /// headers a caller could set. Null when the signature does not hold.
    /// </summary>
    private static async Task<NameValueCollection?> TwilioVerifiedFormAsync(HttpContext http, string? account, CancellationToken cancellationToken)
    {
        var options = http.RequestServices.GetRequiredService<IOptions<SmsOptions>>().Value;
        string token;
        string url;
        var query = http.Request.QueryString.Value ?? "";
        if (account is null)
        {
            token = options.Twilio.AuthToken;
            var target = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (http.Request.Path + query);
            url = options.PublicBaseUrl.TrimEnd('/') + target;
        }
        else if (options.Twilio.Accounts.TryGetValue(account, out var configured))
        {
            token = configured.AuthToken;
            url = WithoutDefaultPort(configured.WebhookUrl) + query;
        }
        else
        {
            return null;
        }
        var signature = http.Request.Headers["X-Twilio-Signature"].ToString();
        if (token.Length == 0 || signature.Length is 0 or > 200)
        {
            return null;
        }
        var validator = new RequestValidator(token);
        // Twilio's SDKs disagree on a quote in the query (twilio-node signs it percent-encoded, the others as
        // sent): both spellings of the one URL are tried, each with and without the default port.
        var urls = new[] { url, url.Replace("'", "%27", StringComparison.Ordinal), url.Replace("%27", "'", StringComparison.Ordinal) }.Distinct().ToList();
        if (http.Request.HasFormContentType)
        {
            var form = await http.Request.ReadFormAsync(cancellationToken);
            var parameters = new NameValueCollection();
            var signed = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, values) in form)
            {
                foreach (var value in values)
                {
                    parameters.Add(name, value);
                }
                // The validator takes one value per name; a repeated name is signed as name+value for each of its
                // distinct values in order, which is the same text as this one value after the name.
                var distinct = values.Select(v => v ?? "").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                signed[name] = string.Join(name, distinct);
            }
            return urls.Any(u => validator.Validate(u, signed, signature)) ? parameters : null;
        }
        using var reader = new StreamReader(http.Request.Body, new UTF8Encoding(false, true));
        string body;
        try
        {
            body = await reader.ReadToEndAsync(cancellationToken);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
        if (!urls.Any(u => validator.Validate(u, body, signature)))
        {
            return null;
        }
        // A JSON-bodied webhook: its members are the message's fields.
        try
        {
            using var document = JsonDocument.Parse(body, StrictJson.DocumentOptions);
            var parameters = new NameValueCollection();
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var member in document.RootElement.EnumerateObject())
                {
                    parameters.Add(member.Name, member.Value.ValueKind == JsonValueKind.String ? member.Value.GetString() : member.Value.GetRawText());
                }
            }
            return parameters;
        }
        catch (JsonException)
        {
            return new NameValueCollection();
        }
    }

    /// <summary>"https://host:443/path" as "https://host/path": the validator adds the default port back as one of its tries.</summary>
    private static string WithoutDefaultPort(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !uri.IsDefaultPort)
        {
            return url;
        }
        var port = $":{uri.Port}";
        var authorityEnd = url.IndexOf('/', url.IndexOf("//", StringComparison.Ordinal) + 2);
        var authority = authorityEnd < 0 ? url : url[..authorityEnd];
        return authority.EndsWith(port, StringComparison.Ordinal) ? authority[..^port.Length] + url[authority.Length..] : url;
    }

    private static Task<IResult> AfricasTalkingInboundAsync(HttpContext http, string secret, InboundMessages inbound, IOptions<SmsOptions> options,
        CancellationToken cancellationToken) =>
        AfricasTalkingAsync(http, secret, options.Value, form => StoreAsync(inbound,
            new IncomingSms("africastalking", form["id"].ToString(), form["from"].ToString(), form["to"].ToString(), form["text"].ToString()),
            ("id", "from", "to", "text"), Results.Ok(), cancellationToken), cancellationToken);

    private static Task<IResult> AfricasTalkingDeliveryAsync(HttpContext http, string secret, DeliveryReports reports, IOptions<SmsOptions> options,
        CancellationToken cancellationToken) =>
        AfricasTalkingAsync(http, secret, options.Value, form =>
            ReportAsync(reports, "africastalking", form["id"].ToString(), form["status"].ToString(), form["failureReason"].ToString(), Results.Ok(), cancellationToken),
            cancellationToken);

    /// <summary>Africa's Talking does not sign its callbacks: the secret in the path (compared in constant time) says it is the gateway.</summary>
    private static async Task<IResult> AfricasTalkingAsync(HttpContext http, string secret, SmsOptions options, Func<IFormCollection, Task<IResult>> handle,
        CancellationToken cancellationToken)
    {
        if (!InboundMessages.SecretsEqual(secret, options.AfricasTalking.PathSecret))
        {
            return Refused(http, "Africa's Talking");
        }
        if (!http.Request.HasFormContentType)
        {
            return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Africa's Talking posts application/x-www-form-urlencoded.");
        }
        return await handle(await http.Request.ReadFormAsync(cancellationToken));
    }

    private static Task<IResult> GenericInboundAsync(HttpContext http, InboundMessages inbound, IOptions<SmsOptions> options, CancellationToken cancellationToken) =>
        GenericAsync(http, options.Value, root => StoreAsync(inbound,
            new IncomingSms("generic", Text(root, "id"), Text(root, "from"), Text(root, "to"), Text(root, "text")),
            ("id", "from", "to", "text"), Results.Ok(), cancellationToken), cancellationToken);

    /// <summary>A message checked (errors name the gateway's own <paramref name="fields"/>) and stored; <paramref name="answer"/> is what the gateway expects back.</summary>
    private static async Task<IResult> StoreAsync(InboundMessages inbound, IncomingSms sms, (string Id, string From, string To, string Text) fields, IResult answer,
        CancellationToken cancellationToken)
    {
        var errors = inbound.Check(sms, fields.Id, fields.From, fields.To, fields.Text);
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }
        await inbound.AcceptAsync(sms, cancellationToken);
        return answer;
    }

    private static Task<IResult> GenericDeliveryAsync(HttpContext http, DeliveryReports reports, IOptions<SmsOptions> options, CancellationToken cancellationToken) =>
        GenericAsync(http, options.Value, root =>
            ReportAsync(reports, "generic", Text(root, "id"), Text(root, "status"), null, Results.NoContent(), cancellationToken), cancellationToken);

    /// <summary>A delivery report, checked and recorded; <paramref name="answer"/> is what the gateway expects back.</summary>
    private static async Task<IResult> ReportAsync(DeliveryReports reports, string gateway, string id, string status, string? error, IResult answer,
        CancellationToken cancellationToken, string idField = "id", string statusField = "status")
    {
        var errors = new ValidationErrors();
        errors.Require(id.Length is > 0 and <= 64, idField, $"{idField} is required: the provider's message id.");
        errors.Require(status.Length is > 0 and <= 20, statusField, $"{statusField} is required.");
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }
        await reports.RecordAsync(gateway, id, status, error, cancellationToken);
        return answer;
    }

    /// <summary>The generic gateway's JSON object, once its signature holds; refusals and unreadable bodies answered here.</summary>
    private static async Task<IResult> GenericAsync(HttpContext http, SmsOptions options, Func<JsonElement, Task<IResult>> handle, CancellationToken cancellationToken)
    {
        var body = await GenericVerifiedBodyAsync(http, options, cancellationToken);
        if (body is null)
        {
            return Refused(http, "generic gateway");
        }
        if (ParseGeneric(body, out var errors) is not { } json)
        {
            return errors.ToProblem();
        }
        using (json)
        {
            return await handle(json.RootElement);
        }
    }

    /// <summary>The raw body when X-Signature is hex HMAC-SHA256 of it under the shared secret; null otherwise.</summary>
    private static async Task<byte[]?> GenericVerifiedBodyAsync(HttpContext http, SmsOptions options, CancellationToken cancellationToken)
    {
        var signature = http.Request.Headers["X-Signature"].ToString();
        if (options.Generic.Secret.Length == 0 || signature.Length != 64)
        {
            return null;
        }
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, cancellationToken);
        var body = buffer.ToArray();
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(options.Generic.Secret), body);
        byte[] given;
        try
        {
            given = Convert.FromHexString(signature);
        }
        catch (FormatException)
        {
            return null;
        }
        return CryptographicOperations.FixedTimeEquals(given, expected) ? body : null;
    }

    /// <summary>Signs a generic-gateway body as the gateway must (the simulator and tests use it too).</summary>
    public static string GenericSignature(string secret, byte[] body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    private static JsonDocument? ParseGeneric(byte[] body, out ValidationErrors errors)
    {
        errors = new ValidationErrors();
        if (body.Length == 0)
        {
            errors.Add("$", "A JSON body is required.");
            return null;
        }
        try
        {
            // JSON strings are not checked for UTF-8 until they are read: the whole body is checked first.
            _ = StrictUtf8.GetCharCount(body);
        }
        catch (DecoderFallbackException)
        {
            errors.Add("$", "The body is not valid UTF-8.");
            return null;
        }
        try
        {
            var document = JsonDocument.Parse(body, StrictJson.DocumentOptions);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                errors.Add("$", "The body is a JSON object.");
                return null;
            }
            return document;
        }
        catch (JsonException exception)
        {
            errors.Add("$", "The body is not valid JSON (or not UTF-8): " + exception.Message);
            return null;
        }
    }

    private static string Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : "";

    private static IResult Refused(HttpContext http, string gateway)
    {
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Traceability.Grievances.Webhooks")
            .LogWarning("Refused a {Gateway} webhook whose signature or secret did not hold", gateway);
        return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The request is not signed by the gateway.");
    }
}
