namespace Traceability.Contracts.Risk;

/// <summary>
/// A flag moved on: assigned, investigation started, escalated, resolved (with its resolution), reopened, or
/// the engine raised its severity or appended a grievance to it. Carries the flag's whole current state (a
/// consumer that missed or has not yet seen <see cref="FlagRaised"/> can keep the flag from this alone) and
/// keeps the one with the highest <see cref="Version"/>. Published by Risk through its outbox.
/// </summary>
public sealed record FlagStatusChanged : IMessage
{
    /// <inheritdoc />
    public required Guid EventId { get; init; }

    /// <inheritdoc />
    public required string TenantId { get; init; }

    /// <inheritdoc />
    public required DateTime OccurredAt { get; init; }

    /// <summary>The flag's id in Risk.</summary>
    public required Guid FlagId { get; init; }

    /// <summary>The flag's version after this change (it was 1 when raised).</summary>
    public required int Version { get; init; }

    /// <summary>What happened: assigned, started, escalated, resolved, reopened, severity-raised, evidence-appended.</summary>
    public required string Action { get; init; }

    /// <summary>open, assigned, investigating or resolved.</summary>
    public required string Status { get; init; }

    /// <summary>For a resolved flag: confirmed, dismissed or remediated; otherwise null.</summary>
    public string? Resolution { get; init; }

    /// <summary>low, medium, high or critical (a flag's severity only climbs).</summary>
    public required string Severity { get; init; }

    /// <summary>The rule that raised the flag.</summary>
    public required string RuleId { get; init; }

    /// <summary>"shipment" or "facility".</summary>
    public required string SubjectType { get; init; }

    /// <summary>The subject's id.</summary>
    public required string SubjectId { get; init; }

    /// <summary>The step's reason, from the workflow's fixed list (never free text, which may name people).</summary>
    public string? Reason { get; init; }

    /// <summary>How many grievances are among the evidence.</summary>
    public int GrievanceCount { get; init; }

    /// <summary>The Grievances case ids among the evidence, so Grievances can tell those workers the outcome.</summary>
    public IReadOnlyList<Guid> GrievanceCaseIds { get; init; } = [];

    /// <summary>The version of the rule that raised the flag (or last raised its severity).</summary>
    public int RuleVersion { get; init; }

    /// <summary>ISO 3166-1 alpha-2 country of the flag's scope.</summary>
    public string ScopeCountry { get; init; } = "";

    /// <summary>HS chapter of the flag's scope, where it has one.</summary>
    public string? ScopeHsChapter { get; init; }

    /// <summary>Scheme of the flag's scope, where it has one.</summary>
    public string? ScopeScheme { get; init; }

    /// <summary>The flag's explanation now (never a grievance's content).</summary>
    public string Explanation { get; init; } = "";

    /// <summary>When the flag was raised, in UTC.</summary>
    public DateTime RaisedAt { get; init; }
}
