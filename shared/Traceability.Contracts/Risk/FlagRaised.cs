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

    /// <summary>Why, in words an auditor reads (never a grievance's content).</summary>
    public required string Explanation { get; init; }

    /// <summary>HS chapter (two digits) of the goods, where the flag concerns goods.</summary>
    public string? ScopeHsChapter { get; init; }

    /// <summary>The audit or certification scheme, where the flag comes from an audit or a certificate.</summary>
    public string? ScopeScheme { get; init; }

    /// <summary>How many grievances are among the evidence (exporters see it only from 5 up).</summary>
    public int GrievanceCount { get; init; }

    /// <summary>open (a flag is raised open).</summary>
    public string Status { get; init; } = "open";

    /// <summary>The flag's version (1 when raised); <see cref="FlagStatusChanged.Version"/> counts on from it.</summary>
    public int Version { get; init; } = 1;
}
