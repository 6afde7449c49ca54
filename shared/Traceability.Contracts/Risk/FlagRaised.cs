namespace Traceability.Contracts.Risk;

/// <summary>Risk raised a flag for auditors to work. Published by Risk through its outbox.</summary>
public sealed record FlagRaised : IMessage
{
    /// <inheritdoc />
    public required Guid EventId { get; init; }

    /// <inheritdoc />
    public required string TenantId { get; init; }

    /// <inheritdoc />
    public required DateTime OccurredAt { get; init; }

    /// <summary>The flag's id in Risk.</summary>
    public required Guid FlagId { get; init; }

    /// <summary>The rule that raised it.</summary>
    public required string RuleId { get; init; }

    /// <summary>The rule's version.</summary>
    public required int RuleVersion { get; init; }

    /// <summary>low, medium, high or critical.</summary>
    public required string Severity { get; init; }

    /// <summary>"shipment" or "facility".</summary>
    public required string SubjectType { get; init; }

    /// <summary>The subject's id.</summary>
    public required string SubjectId { get; init; }

    /// <summary>ISO 3166-1 alpha-2 country of the scope auditors must be accredited for.</summary>
    public required string ScopeCountry { get; init; }

    /// <summary>Why, in words an auditor reads.</summary>
    public required string Explanation { get; init; }
}
