namespace Traceability.Contracts.Audits;

/// <summary>
/// An auditor was registered, or their status or accreditations changed. Carries the auditor's whole
/// current state, not a difference, so a consumer replaces its copy; <see cref="Revision"/> tells an
/// older message from a newer one.
/// </summary>
public sealed record AuditorAccreditationChanged : IMessage
{
    /// <inheritdoc />
    public required Guid EventId { get; init; }

    /// <inheritdoc />
    public required string TenantId { get; init; }

    /// <inheritdoc />
    public required DateTime OccurredAt { get; init; }

    /// <summary>The auditor's id in the registry (the <c>auditor_id</c> claim of their token).</summary>
    public required string AuditorId { get; init; }

    /// <summary>1 when registered, then one more for each change.</summary>
    public required int Revision { get; init; }

    /// <summary>The auditor's name.</summary>
    public required string Name { get; init; }

    /// <summary>APSCA level: ASCA, RA or CSCA.</summary>
    public required string Level { get; init; }

    /// <summary>active, suspended or withdrawn.</summary>
    public required string Status { get; init; }

    /// <summary>Every accreditation the auditor holds now.</summary>
    public IReadOnlyList<Accreditation> Accreditations { get; init; } = [];
}
