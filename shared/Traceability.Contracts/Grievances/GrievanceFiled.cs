namespace Traceability.Contracts.Grievances;

/// <summary>
/// A worker filed a grievance by SMS and it became a case. Published by Grievances through its
/// outbox. It never carries the worker's phone number or words: only the keyed pseudonym, so
/// consumers can count grievances per sender without being able to reach or name the sender.
/// </summary>
public sealed record GrievanceFiled : IMessage
{
    /// <inheritdoc />
    public required Guid EventId { get; init; }

    /// <summary>The exporter that registered the (first) facility named, or "grievances" when no facility is known.</summary>
    public required string TenantId { get; init; }

    /// <inheritdoc />
    public required DateTime OccurredAt { get; init; }

    /// <summary>The case's id in Grievances.</summary>
    public required Guid CaseId { get; init; }

    /// <summary>The reference the worker was sent (e.g. "GR-7KQ4P2"): no 0, O, 1 or I.</summary>
    public required string CaseReference { get; init; }

    /// <summary>Provenance facility ids the worker named (one poster code or name can match several exporters' records of one workplace); empty when the worker's workplace is unknown.</summary>
    public required IReadOnlyList<Guid> FacilityIds { get; init; }

    /// <summary>ISO 3166-1 alpha-2 country of the workplace, when known.</summary>
    public string? FacilityCountry { get; init; }

    /// <summary>wages-withheld, documents-retained, threats-violence, debt-recruitment-fees, forced-overtime, locked-in, child-labour, safety or other.</summary>
    public required string Category { get; init; }

    /// <summary>ILO forced-labour indicators the category points to (e.g. "withholding-of-wages"); empty for categories that are not forced-labour indicators.</summary>
    public required IReadOnlyList<string> IloIndicators { get; init; }

    /// <summary>True when the category is one of the ILO forced-labour indicators.</summary>
    public required bool ForcedLabourIndicator { get; init; }

    /// <summary>The conversation's language (en, es, fr, bn, hi, sw, id, vi).</summary>
    public required string Language { get; init; }

    /// <summary>Keyed HMAC pseudonym of the sender's number ("p_" + 32 hex digits): links a sender's grievances, reveals nothing.</summary>
    public required string SenderPseudonym { get; init; }

    /// <summary>When the worker finished filing, in UTC.</summary>
    public required DateTime FiledAt { get; init; }
}
