using System.Collections.Specialized;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
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
/// logged but the refusal. They are in the OpenAPI document (tag "Gateways") with the gateways' own
/// formats, their signature headers and an example each, so the bad-input harness covers them; they are
/// public on purpose, proven by the gateway's signature or path secret instead of a token.
/// </summary>
internal static class ReceiveSmsEndpoints
{
    private const string Form = "application/x-www-form-urlencoded";

    // The examples the OpenAPI document shows (a form body as one JSON string). The harness signs each request it makes from them.
    public const string TwilioExample = "\"MessageSid=SM0123456789abcdef0123456789abcdef&From=%2B8801712345678&Body=Hello&To=%2B15005550006\"";
    public const string TwilioStatusExample = "\"MessageStatus=delivered&MessageSid=SM0123456789abcdef0123456789abcdef\"";
    public const string AfricasTalkingExample = "\"id=ATXid_0123456789&from=%2B254711000111&text=habari&to=%2B15005550006\"";
    public const string AfricasTalkingReportExample = "\"status=Success&id=ATXid_0123456789\"";
    public const string GenericExample = """{"id":"msg-0001","from":"+8801712345678","to":"+15005550006","text":"Hello"}""";
    public const string GenericReportExample = """{"id":"out-0001","status":"delivered"}""";

    private static readonly RequestHeader TwilioSignature = new("X-Twilio-Signature", "Twilio's signature (HMAC-SHA1, base64) over the public URL and the form.", 200);
    private static readonly RequestHeader GenericSignatureHeader = new("X-Signature", "Hex HMAC-SHA256 of the raw body under Sms__Generic__Secret.", 64);

    /// <summary>Largest webhook body: a long concatenated SMS with the gateway's fields is a few KiB.</summary>
    public const long MaxBodyBytes = 32 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private const string EmptyTwiml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";

    public static WebApplication MapReceiveSms(this WebApplication app)
    {
        // Accepts also routes by content type (anything else is 415): Twilio posts forms, or JSON with bodySHA256 in the URL.
        var sms = app.MapGroup("/sms").WithTags("Gateways").WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes));
        sms.MapPost("/twilio/inbound", (HttpContext http, CancellationToken ct) => TwilioInboundAsync(http, null, ct))
            .Accepts<TwilioMessageForm>(Form, "application/json").WithRequestExample(TwilioExample).WithRequestHeader(TwilioSignature)
            .WithSummary("Twilio's incoming-message webhook (signed by Twilio; answers empty TwiML).");
        sms.MapPost("/twilio/inbound/{account}", (HttpContext http, string account, CancellationToken ct) => TwilioInboundAsync(http, account, ct))
            .Accepts<TwilioMessageForm>(Form, "application/json").WithRequestExample(TwilioExample).WithRequestHeader(TwilioSignature)
            .WithSummary("The same for a further Twilio account (Sms__Twilio__Accounts__{account}).");
        sms.MapPost("/twilio/status", TwilioStatusAsync)
            .Accepts<TwilioStatusForm>(Form).WithRequestExample(TwilioStatusExample).WithRequestHeader(TwilioSignature)
            .WithSummary("Twilio's delivery-status callback for a reply (signed by Twilio).");
        sms.MapPost("/africastalking/inbound/{secret}", AfricasTalkingInboundAsync)
            .Accepts<AfricasTalkingMessageForm>(Form).WithRequestExample(AfricasTalkingExample)
            .WithSummary("Africa's Talking's incoming-message callback (the path secret proves the caller).");
        sms.MapPost("/africastalking/delivery/{secret}", AfricasTalkingDeliveryAsync)
            .Accepts<AfricasTalkingReportForm>(Form).WithRequestExample(AfricasTalkingReportExample)
            .WithSummary("Africa's Talking's delivery report for a reply.");
        sms.MapPost("/generic/inbound", GenericInboundAsync)
            .Accepts<GenericMessage>("application/json").WithRequestExample(GenericExample).WithRequestHeader(GenericSignatureHeader)
            .WithSummary("Any other aggregator's incoming message, signed with X-Signature.");
        sms.MapPost("/generic/delivery", GenericDeliveryAsync)
            .Accepts<GenericReport>("application/json").WithRequestExample(GenericReportExample).WithRequestHeader(GenericSignatureHeader)
            .WithSummary("Any other aggregator's delivery report, signed with X-Signature.");
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
        // The callback URL names our reply (?reply=, signed with the rest of the URL): it settles a reply whose send answer was lost.
        var reply = Guid.TryParseExact(http.Request.Query["reply"].ToString(), "N", out var id) ? id : (Guid?)null;
        return await ReportAsync(reports, "twilio", form["MessageSid"] ?? "", form["MessageStatus"] ?? "", form["ErrorCode"], Results.NoContent(), cancellationToken,
            "MessageSid", "MessageStatus", reply);
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
            var parameters = await ReadFormAsync(http.Request, cancellationToken);
            var signed = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var name in parameters.AllKeys.OfType<string>())
            {
                // The validator takes one value per name; a repeated name is signed as name+value for each of its
                // distinct values in order, which is the same text as this one value after the name.
                var distinct = (parameters.GetValues(name) ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
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

    /// <summary>
    /// A form body read as it was sent: bytes that are not UTF-8 become U+FFFD and a NUL stays a NUL, so the fields'
    /// checks refuse them naming the field (ASP.NET's form reader throws on a NUL without saying where, and leaves an
    /// undecodable %FF as it was).
    /// </summary>
    private static async Task<NameValueCollection> ReadFormAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        return System.Web.HttpUtility.ParseQueryString(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
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
            new IncomingSms("africastalking", form["id"] ?? "", form["from"] ?? "", form["to"] ?? "", form["text"] ?? ""),
            ("id", "from", "to", "text"), Results.Ok(), cancellationToken), cancellationToken);

    private static Task<IResult> AfricasTalkingDeliveryAsync(HttpContext http, string secret, DeliveryReports reports, IOptions<SmsOptions> options,
        CancellationToken cancellationToken) =>
        AfricasTalkingAsync(http, secret, options.Value, form =>
            ReportAsync(reports, "africastalking", form["id"] ?? "", form["status"] ?? "", form["failureReason"], Results.Ok(), cancellationToken),
            cancellationToken);

    /// <summary>Africa's Talking does not sign its callbacks: the secret in the path (compared in constant time) says it is the gateway.</summary>
    private static async Task<IResult> AfricasTalkingAsync(HttpContext http, string secret, SmsOptions options, Func<NameValueCollection, Task<IResult>> handle,
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
        return await handle(await ReadFormAsync(http.Request, cancellationToken));
    }

    private static Task<IResult> GenericInboundAsync(HttpContext http, InboundMessages inbound, IOptions<SmsOptions> options, CancellationToken cancellationToken) =>
        GenericAsync(http, options.Value, ["id", "from", "to", "text"], root => StoreAsync(inbound,
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
        GenericAsync(http, options.Value, ["id", "status"], root =>
            ReportAsync(reports, "generic", Text(root, "id"), Text(root, "status"), null, Results.NoContent(), cancellationToken), cancellationToken);

    /// <summary>A delivery report, checked and recorded; <paramref name="answer"/> is what the gateway expects back.</summary>
    private static async Task<IResult> ReportAsync(DeliveryReports reports, string gateway, string id, string status, string? error, IResult answer,
        CancellationToken cancellationToken, string idField = "id", string statusField = "status", Guid? reply = null)
    {
        var errors = new ValidationErrors();
        errors.Require(id.Length is > 0 and <= 64 && id.All(c => c is > ' ' and < '\u007f'), idField,
            $"{idField} is required: the provider's message id, 1 to 64 visible ASCII characters.");
        errors.Require(status.Length is > 0 and <= 20 && status.All(c => c is > ' ' and < '\u007f'), statusField, $"{statusField} is required: 1 to 20 visible ASCII characters.");
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }
        // The provider's error text is kept only when it is text we can store faithfully.
        await reports.RecordAsync(gateway, id, status, error is not null && TextRules.Problem(error) is null ? error : null, cancellationToken, reply);
        return answer;
    }

    /// <summary>The generic gateway's JSON object, once its signature holds; refusals and unreadable bodies answered here.</summary>
    private static async Task<IResult> GenericAsync(HttpContext http, SmsOptions options, string[] fields, Func<JsonElement, Task<IResult>> handle,
        CancellationToken cancellationToken)
    {
        var body = await GenericVerifiedBodyAsync(http, options, cancellationToken);
        if (body is null)
        {
            return Refused(http, "generic gateway");
        }
        if (!(http.Request.ContentType ?? "").StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "The generic gateway posts application/json.");
        }
        if (ParseGeneric(body, fields, out var errors) is not { } json)
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

    private static JsonDocument? ParseGeneric(byte[] body, string[] fields, out ValidationErrors errors)
    {
        errors = new ValidationErrors();
        if (body.Length == 0)
        {
            errors.Add("$", "A JSON body is required.");
            return null;
        }
        JsonDocument document;
        try
        {
            // A member named twice is refused naming it (StrictJson), like every other JSON body of the platform.
            document = StrictJson.ParseDocumentAsync(new MemoryStream(body), CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (JsonException exception)
        {
            errors.Add(exception.Path ?? "$", "The body is not valid JSON (or not UTF-8): " + exception.Message);
            return null;
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            errors.Add("$", "The body is a JSON object.");
            return null;
        }
        // JSON strings are not checked for UTF-8 until they are read: every one is checked here, naming its member.
        if (StrictJson.FindBrokenText(document.RootElement) is { } broken)
        {
            errors.Add(broken.Path, broken.Problem);
        }
        foreach (var field in fields)
        {
            errors.Require(!document.RootElement.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.String, field, $"{field} is a JSON string.");
        }
        if (!errors.IsEmpty)
        {
            document.Dispose();
            return null;
        }
        return document;
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

/// <summary>Twilio's incoming message as the webhook reads it (Twilio posts more fields; these are the ones used).</summary>
internal sealed record TwilioMessageForm(
    [property: JsonPropertyName("MessageSid")] string MessageSid, [property: JsonPropertyName("From")] string From,
    [property: JsonPropertyName("To")] string To, [property: JsonPropertyName("Body")] string Body);

/// <summary>Twilio's status callback as read.</summary>
internal sealed record TwilioStatusForm([property: JsonPropertyName("MessageSid")] string MessageSid, [property: JsonPropertyName("MessageStatus")] string MessageStatus);

/// <summary>Africa's Talking's incoming message as read (it also posts date and linkId).</summary>
internal sealed record AfricasTalkingMessageForm(string Id, string From, string To, string Text);

/// <summary>Africa's Talking's delivery report as read.</summary>
internal sealed record AfricasTalkingReportForm(string Id, string Status);

/// <summary>A generic aggregator's incoming message.</summary>
internal sealed record GenericMessage(string Id, string From, string To, string Text);

/// <summary>A generic aggregator's delivery report.</summary>
internal sealed record GenericReport(string Id, string Status);
