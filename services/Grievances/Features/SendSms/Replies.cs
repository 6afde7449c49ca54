using Microsoft.Extensions.Options;
using Traceability.Contracts;
using Traceability.Data;
using Traceability.Grievances.Privacy;
using Traceability.Grievances.Sms;

namespace Traceability.Grievances.Features.SendSms;

/// <summary>Grievances' own message to itself: a reply is stored and should be sent (by id only; the text stays encrypted).</summary>
public sealed record SmsReplyQueued : IMessage
{
    /// <inheritdoc />
    public required Guid EventId { get; init; }

    /// <inheritdoc />
    public required string TenantId { get; init; }

    /// <inheritdoc />
    public required DateTime OccurredAt { get; init; }

    /// <summary>The stored outbound message.</summary>
    public required Guid OutboundMessageId { get; init; }
}

/// <summary>Where a reply goes: the sender (by pseudonym), through the gateway and number they wrote to.</summary>
public sealed record ReplyTarget(string Pseudonym, string Gateway, string GatewayNumber);

/// <summary>Statuses of an outbound message.</summary>
public static class OutboundStatus
{
    /// <summary>Waiting to be sent (or to be tried again after the provider failed).</summary>
    public const string Queued = "queued";

    /// <summary>Claimed by a sender; the provider is being called.</summary>
    public const string Sending = "sending";

    /// <summary>The provider took it.</summary>
    public const string Sent = "sent";

    /// <summary>The provider reported it delivered.</summary>
    public const string Delivered = "delivered";

    /// <summary>The provider refused it or reported it undeliverable.</summary>
    public const string Failed = "failed";

    /// <summary>The sender went over <see cref="SmsOptions.RepliesPerHour"/>: kept, not sent.</summary>
    public const string Throttled = "throttled";

    /// <summary>A sending whose outcome nobody knows (the process died while the provider was called): not sent again, so never twice.</summary>
    public const string Unknown = "unknown";
}

internal static class RepliesSql
{
    public const string Insert = """
        INSERT INTO grievances.outbound_message (id, pseudonym, in_reply_to, case_id, gateway, gateway_number, body_cipher, encoding, segments,
          status, attempts, next_attempt_at, created_at, updated_at)
        VALUES (@Id, @Pseudonym, @InReplyTo, @CaseId, @Gateway, @GatewayNumber, @BodyCipher, @Encoding, @Segments,
          @Status, 0, @CreatedAt, @CreatedAt, @CreatedAt)
        """;
}

/// <summary>
/// Queues replies: each is stored (text encrypted, its segments counted) in the caller's transaction with
/// the outbox row that gets it sent, so a reply is queued exactly when the conversation step that made
/// it commits, and a redelivered step queues nothing twice.
/// </summary>
public sealed class Replies(PrivacyVault vault, IOptions<SmsOptions> options, TimeProvider time)
{
    /// <summary>Stores <paramref name="text"/> for <paramref name="target"/>; <paramref name="throttled"/> keeps it unsent.</summary>
    public Guid Queue(DataTransaction data, ReplyTarget target, string text, Guid? inReplyTo, Guid? caseId, bool throttled = false)
    {
        var size = SegmentCounter.Count(text);
        if (size.Segments > options.Value.MaxSegments)
        {
            throw new InvalidOperationException($"A reply of {size.Segments} segments is over the budget of {options.Value.MaxSegments}.");
        }
        var now = time.GetUtcNow().UtcDateTime;
        var id = Guid.CreateVersion7();
        data.Defer(RepliesSql.Insert, new
        {
            Id = id, target.Pseudonym, InReplyTo = inReplyTo, CaseId = caseId, target.Gateway, target.GatewayNumber, BodyCipher = vault.Encrypt(text),
            size.Encoding, size.Segments, Status = throttled ? OutboundStatus.Throttled : OutboundStatus.Queued, CreatedAt = now,
        });
        if (!throttled)
        {
            data.Publish(new SmsReplyQueued { EventId = Guid.CreateVersion7(), TenantId = "grievances", OccurredAt = now, OutboundMessageId = id });
        }
        return id;
    }
}
