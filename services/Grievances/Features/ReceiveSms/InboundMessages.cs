using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Traceability.Data;
using Traceability.Grievances.Privacy;
using Traceability.Grievances.Sms;
using Traceability.Hosting;

namespace Traceability.Grievances.Features.ReceiveSms;

/// <summary>One SMS as a gateway delivered it, before anything is stored.</summary>
public sealed record IncomingSms(string Gateway, string GatewayMessageId, string From, string To, string Text);

internal static class InboundSql
{
    public static string InsertMessage(SqlDialect dialect) => dialect.InsertIfAbsent(
        "grievances.inbound_message",
        ["id", "gateway", "gateway_message_id", "pseudonym", "phone_cipher", "gateway_number", "body_cipher", "received_at"],
        ["gateway", "gateway_message_id"]);
}

/// <summary>
/// Stores an incoming SMS with one durable write: the message (number and text encrypted) and the
/// outbox row that starts its conversation commit together, and only then does the webhook answer.
/// A gateway message id seen before is absorbed (the gateway retried): stored once, answered alike.
/// </summary>
public sealed class InboundMessages(Database database, PrivacyVault vault, IOptions<SmsOptions> options, TimeProvider time)
{
    private readonly string _insert = InboundSql.InsertMessage(database.Dialect);
    private readonly HashSet<string> _numbers = options.Value.Numbers
        .Select(n => PhoneNumberForm.Normalise(n, options.Value.DefaultRegion)?.E164 ?? n.Trim()).ToHashSet(StringComparer.Ordinal);

    /// <summary>Most characters of one inbound text (a concatenated SMS is at most a few thousand).</summary>
    public const int MaxTextLength = 4000;

    /// <summary>Checks what a gateway sent; the field names are the gateway's.</summary>
    public ValidationErrors Check(IncomingSms sms, string idField, string fromField, string toField, string textField)
    {
        var errors = new ValidationErrors();
        errors.Require(sms.GatewayMessageId.Length is > 0 and <= 64 && sms.GatewayMessageId.All(c => c is > ' ' and < '\u007f'), idField,
            "The gateway's message id is required: 1 to 64 visible ASCII characters.");
        // libphonenumber reads a number out of surrounding text: a number with a NUL or other junk in it is refused before it is read.
        errors.Require(TextRules.Problem(sms.From) is null && PhoneNumberForm.Normalise(sms.From, options.Value.DefaultRegion) is not null, fromField,
            "The sender is not a phone number.");
        var to = sms.To.Trim();
        if (errors.Require(to.Length is > 0 and <= 40 && TextRules.Problem(to) is null, toField, "The number the message was sent to is required."))
        {
            var normalised = PhoneNumberForm.Normalise(to, options.Value.DefaultRegion)?.E164 ?? to;
            errors.Require(_numbers.Count == 0 || _numbers.Contains(normalised), toField, "This deployment does not receive on that number.");
        }
        errors.Require(sms.Text.Length <= MaxTextLength, textField, $"A message has at most {MaxTextLength} characters.");
        errors.Require(!sms.Text.Contains('\uFFFD', StringComparison.Ordinal) && TextRules.Problem(sms.Text, multiline: true) is null, textField,
            "The text is not valid UTF-8 text (or holds control characters).");
        return errors;
    }

    /// <summary>Stores the message and queues its conversation; false when the gateway sent it before.</summary>
    public async Task<bool> AcceptAsync(IncomingSms sms, CancellationToken cancellationToken)
    {
        var (e164, _) = PhoneNumberForm.Normalise(sms.From, options.Value.DefaultRegion)!.Value;
        var to = PhoneNumberForm.Normalise(sms.To, options.Value.DefaultRegion)?.E164 ?? sms.To.Trim();
        var pseudonym = vault.Pseudonym(e164);
        var row = new
        {
            Id = Guid.CreateVersion7(),
            sms.Gateway,
            sms.GatewayMessageId,
            Pseudonym = pseudonym,
            PhoneCipher = vault.Encrypt(e164),
            GatewayNumber = to,
            BodyCipher = vault.Encrypt(sms.Text),
            ReceivedAt = time.GetUtcNow().UtcDateTime,
        };
        return await database.InTransactionAsync(async data =>
        {
            if (await data.ExecuteAsync(_insert, row) == 0)
            {
                return false;
            }
            await data.PublishAsync(new SmsReceived
            {
                EventId = Guid.CreateVersion7(),
                TenantId = "grievances",
                OccurredAt = row.ReceivedAt,
                InboundMessageId = row.Id,
                SenderPseudonym = pseudonym,
            });
            return true;
        }, cancellationToken);
    }

    /// <summary>Constant-time comparison of secrets (path secrets, signatures).</summary>
    public static bool SecretsEqual(string given, string expected) =>
        expected.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));
}
