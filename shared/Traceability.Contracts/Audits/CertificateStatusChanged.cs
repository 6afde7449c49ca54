namespace Traceability.Contracts.Audits;

/// <summary>
/// A certificate was issued or its status changed (suspended, withdrawn, reinstated, or expired by the
/// clock). Carries the certificate's whole current state; <see cref="Sequence"/> is its place in the
/// certificate's append-only history. Published by Audits through its outbox.
/// </summary>
public sealed record CertificateStatusChanged : IMessage
{
    /// <inheritdoc />
    public required Guid EventId { get; init; }

    /// <inheritdoc />
    public required string TenantId { get; init; }

    /// <inheritdoc />
    public required DateTime OccurredAt { get; init; }

    /// <summary>The certificate's id in Audits.</summary>
    public required Guid CertificateId { get; init; }

    /// <summary>The scheme (Fairtrade, Rainforest Alliance, RSPO, SA8000, ...).</summary>
    public required string Scheme { get; init; }

    /// <summary>The certificate's number in that scheme (what shipments claim).</summary>
    public required string Number { get; init; }

    /// <summary>The facility holding the certificate.</summary>
    public required AuditedFacility Holder { get; init; }

    /// <summary>HS codes (or chapters) the certificate covers.</summary>
    public IReadOnlyList<string> ScopeHsCodes { get; init; } = [];

    /// <summary>valid, suspended, withdrawn or expired.</summary>
    public required string Status { get; init; }

    /// <summary>The status before this change; null when the certificate was just issued.</summary>
    public string? PreviousStatus { get; init; }

    /// <summary>Why the status changed, in the certifier's words (or "validity ended" for expiry).</summary>
    public string? Reason { get; init; }

    /// <summary>First day of validity.</summary>
    public required DateOnly ValidFrom { get; init; }

    /// <summary>Last day of validity.</summary>
    public required DateOnly ValidTo { get; init; }

    /// <summary>The first day the new status applies to goods (a shipment on or after it is covered by it).</summary>
    public required DateOnly EffectiveFrom { get; init; }

    /// <summary>When the change was recorded, in UTC.</summary>
    public required DateTime ChangedAt { get; init; }

    /// <summary>1 for issue, then one more for each change: the entry's place in the history.</summary>
    public required int Sequence { get; init; }
}
