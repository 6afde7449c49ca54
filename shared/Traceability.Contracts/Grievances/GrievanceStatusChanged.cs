namespace Traceability.Contracts.Grievances;

/// <summary>
/// A caseworker moved a case on (acknowledged it, asked the worker, recorded an outcome, closed it).
/// Published by Grievances through its outbox; carries no personal data and no case text.
/// </summary>
public sealed record GrievanceStatusChanged : IMessage
{
    /// <inheritdoc />
    public required Guid EventId { get; init; }

    /// <inheritdoc />
    public required string TenantId { get; init; }

    /// <inheritdoc />
    public required DateTime OccurredAt { get; init; }

    /// <summary>The case's id in Grievances.</summary>
    public required Guid CaseId { get; init; }

    /// <summary>The reference the worker holds.</summary>
    public required string CaseReference { get; init; }

    /// <summary>Provenance facility ids of the case.</summary>
    public required IReadOnlyList<Guid> FacilityIds { get; init; }

    /// <summary>The status before: filed, acknowledged, awaiting-worker, closed.</summary>
    public required string PreviousStatus { get; init; }

    /// <summary>The status now: filed, acknowledged, awaiting-worker, closed.</summary>
    public required string Status { get; init; }

    /// <summary>For a closed case: substantiated, unsubstantiated, remediated, referred or withdrawn; otherwise null.</summary>
    public string? Outcome { get; init; }

    /// <summary>The category of the case (see <see cref="GrievanceFiled.Category"/>).</summary>
    public required string Category { get; init; }
}
