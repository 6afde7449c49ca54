namespace Traceability.Contracts.Audits;

/// <summary>
/// An accredited auditor submitted an audit of a facility. Published by Audits through its outbox, and again,
/// with the next <see cref="Revision"/> and every finding so far, when the auditor adds findings (a CSV upload).
/// </summary>
public sealed record AuditSubmitted : IMessage
{
    /// <inheritdoc />
    public required Guid EventId { get; init; }

    /// <inheritdoc />
    public required string TenantId { get; init; }

    /// <inheritdoc />
    public required DateTime OccurredAt { get; init; }

    /// <summary>The audit's id in Audits.</summary>
    public required Guid AuditId { get; init; }

    /// <summary>1 when submitted, then one more each time findings are added; a consumer keeps the highest.</summary>
    public int Revision { get; init; } = 1;

    /// <summary>The audited facility.</summary>
    public required AuditedFacility Facility { get; init; }

    /// <summary>The scheme audited against (SA8000, amfori BSCI, SMETA, ...).</summary>
    public required string Scheme { get; init; }

    /// <summary>initial, periodic or follow-up.</summary>
    public required string AuditType { get; init; }

    /// <summary>announced, semi-announced or unannounced.</summary>
    public required string Announcement { get; init; }

    /// <summary>First on-site day.</summary>
    public required DateOnly StartDate { get; init; }

    /// <summary>Last on-site day.</summary>
    public required DateOnly EndDate { get; init; }

    /// <summary>The lead auditor's id in the auditor registry.</summary>
    public required string LeadAuditorId { get; init; }

    /// <summary>The audit a follow-up follows, when it is one.</summary>
    public Guid? FollowUpOf { get; init; }

    /// <summary>The scheme's own overall result (BSCI A–E, SA8000 pass/fail, ...), when the scheme has one.</summary>
    public string? OverallResult { get; init; }

    /// <summary>The findings this audit raised.</summary>
    public IReadOnlyList<AuditFinding> Findings { get; init; } = [];

    /// <summary>
    /// The facility's production capacity as the audit found it, when the auditor stated one. Added 2026-11-26 (contract
    /// version 2 of this message, additive): audits published before it, or without a capacity, leave it null.
    /// </summary>
    public ProductionCapacity? ProductionCapacity { get; init; }
}
