using Traceability.Data;

namespace Traceability.Grievances.Features.SendSms;

internal static class DeliveryReportsSql
{
    // A report never moves a message back (delivered stays delivered when a late "sent" arrives).
    public const string Record = """
        UPDATE grievances.outbound_message SET status = @Status, error = @Error, updated_at = @Now
        WHERE gateway = @Gateway AND provider_message_id = @ProviderMessageId AND status IN ('sending', 'sent', 'unknown')
        """;

    // A report that names our reply (Twilio's status callback URL carries it) settles a reply whose send answer
    // was lost: the provider took it, and this is its id.
    public const string RecordForReply = """
        UPDATE grievances.outbound_message SET status = @Status, provider_message_id = @ProviderMessageId, error = @Error, updated_at = @Now
        WHERE id = @Reply AND gateway = @Gateway AND status IN ('sending', 'sent', 'unknown')
          AND (provider_message_id IS NULL OR provider_message_id = @ProviderMessageId)
        """;
}

/// <summary>Delivery-status callbacks: each provider's words mapped to ours, applied to the message the provider named.</summary>
public sealed class DeliveryReports(Database database, TimeProvider time)
{
    /// <summary>
    /// Records what the provider says became of a message; unknown ids are ignored (another deployment's, or old).
    /// <paramref name="reply"/>: our reply the report names, when the provider echoes it back.
    /// </summary>
    public Task RecordAsync(string gateway, string providerMessageId, string providerStatus, string? error, CancellationToken cancellationToken, Guid? reply = null) =>
        database.InTransactionAsync(data => data.ExecuteAsync(reply is null ? DeliveryReportsSql.Record : DeliveryReportsSql.RecordForReply, new
        {
            Status = StatusOf(providerStatus), Error = Trimmed(error), Now = time.GetUtcNow().UtcDateTime,
            Gateway = gateway, ProviderMessageId = providerMessageId, Reply = reply,
        }), cancellationToken);

    /// <summary>
    /// A provider's delivery status in our words, whether a callback reports it or a lookup finds it (<see cref="SmsSender.LookUpAsync"/>):
    /// anything short of delivered or failed (queued, accepted, sending, sent...) is sent.
    /// </summary>
    public static string StatusOf(string providerStatus) => providerStatus.ToLowerInvariant() switch
    {
        "delivered" or "success" or "read" => OutboundStatus.Delivered,
        "failed" or "undelivered" or "rejected" or "buffered-failed" or "expired" => OutboundStatus.Failed,
        _ => OutboundStatus.Sent,
    };

    /// <summary>A provider's error as the column keeps it (at most 400 characters), or null.</summary>
    public static string? Trimmed(string? error) => string.IsNullOrEmpty(error) ? null : error[..Math.Min(error.Length, 400)];
}
