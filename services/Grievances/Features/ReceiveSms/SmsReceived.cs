using Traceability.Contracts;

namespace Traceability.Grievances.Features.ReceiveSms;

/// <summary>
/// Grievances' own message to itself: an SMS was stored and its conversation should run. It names the
/// stored message and the sender's pseudonym only; the text stays encrypted in the database.
/// </summary>
public sealed record SmsReceived : IMessage
{
    /// <inheritdoc />
    public required Guid EventId { get; init; }

    /// <inheritdoc />
    public required string TenantId { get; init; }

    /// <inheritdoc />
    public required DateTime OccurredAt { get; init; }

    /// <summary>The stored inbound message.</summary>
    public required Guid InboundMessageId { get; init; }

    /// <summary>Its sender's pseudonym.</summary>
    public required string SenderPseudonym { get; init; }
}
