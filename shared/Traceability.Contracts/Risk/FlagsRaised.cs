namespace Traceability.Contracts.Risk;

/// <summary>
/// Several <see cref="FlagRaised"/> events of one tenant in one broker message: Risk's outbox relay sends the flags it
/// relays together this way. Each flag keeps its own <see cref="FlagRaised.EventId"/>, by which consumers deduplicate
/// it as they would the single message; consumers keep handling <see cref="FlagRaised"/> too.
/// </summary>
public sealed record FlagsRaised : IMessage
{
    /// <inheritdoc />
    public required Guid EventId { get; init; }

    /// <inheritdoc />
    public required string TenantId { get; init; }

    /// <inheritdoc />
    public required DateTime OccurredAt { get; init; }

    /// <summary>The flags, in the order they were raised.</summary>
    public required IReadOnlyList<FlagRaised> Flags { get; init; }
}
