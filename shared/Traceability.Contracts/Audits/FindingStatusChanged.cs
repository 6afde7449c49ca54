namespace Traceability.Contracts.Audits;

/// <summary>
/// A follow-up audit closed, progressed or reopened a finding of an earlier audit. Published by
/// Audits through its outbox.
/// </summary>
public sealed record FindingStatusChanged : IMessage
{
    /// <inheritdoc />
    public required Guid EventId { get; init; }

    /// <inheritdoc />
    public required string TenantId { get; init; }

    /// <inheritdoc />
    public required DateTime OccurredAt { get; init; }

    /// <summary>The finding's id.</summary>
    public required Guid FindingId { get; init; }

    /// <summary>The audit that raised the finding.</summary>
    public required Guid AuditId { get; init; }

    /// <summary>The follow-up audit that changed its status.</summary>
    public required Guid ChangedByAuditId { get; init; }

    /// <summary>The audited facility.</summary>
    public required AuditedFacility Facility { get; init; }

    /// <summary>The scheme of the audit.</summary>
    public required string Scheme { get; init; }

    /// <summary>The canonical finding code.</summary>
    public required string Code { get; init; }

    /// <summary>The ILO forced-labour indicators the code maps to.</summary>
    public IReadOnlyList<string> IloIndicators { get; init; } = [];

    /// <summary>zero-tolerance, critical, major, minor or observation.</summary>
    public required string Severity { get; init; }

    /// <summary>The status before: open, progress or closed.</summary>
    public required string PreviousStatus { get; init; }

    /// <summary>The status now: open (reopened), progress or closed.</summary>
    public required string Status { get; init; }
}
