namespace Traceability.Contracts.Audits;

/// <summary>
/// The tenant of Audits' facts. An audit, an auditor or a certificate concerns a facility that any
/// number of exporters may ship from, not one exporter, so Audits' messages carry this tenant and
/// consumers join them to exporters' records by the facility's GLN / Open Supply Hub id.
/// </summary>
public static class AuditsTenant
{
    /// <summary>The <see cref="IMessage.TenantId"/> of every message Audits publishes.</summary>
    public const string Id = "audits";
}

/// <summary>
/// A facility as Audits names it: by GLN and/or Open Supply Hub id (at least one), the ids that join
/// it to every exporter's registration of the same site, plus its name and country.
/// </summary>
public sealed record AuditedFacility
{
    /// <summary>Global Location Number (13 digits), when known.</summary>
    public string? Gln { get; init; }

    /// <summary>Open Supply Hub id, when known.</summary>
    public string? OshId { get; init; }

    /// <summary>The facility's name as the audit or certificate gives it.</summary>
    public required string Name { get; init; }

    /// <summary>ISO 3166-1 alpha-2 country.</summary>
    public required string Country { get; init; }
}

/// <summary>How much a facility can produce in a period, as an audit found it (e.g. 40 t of cocoa beans a month).</summary>
public sealed record ProductionCapacity
{
    /// <summary>The quantity it can produce in one <see cref="Period"/>; more than zero.</summary>
    public required decimal Quantity { get; init; }

    /// <summary>The unit of <see cref="Quantity"/>, one of the shipment units (kg, t, g, lb, pcs, pairs, dozen, l, m3, m, m2, bales, bags).</summary>
    public required string Unit { get; init; }

    /// <summary><c>month</c> or <c>year</c> (calendar).</summary>
    public required string Period { get; init; }
}

/// <summary>One finding of an audit, on the platform's canonical finding code list.</summary>
public sealed record AuditFinding
{
    /// <summary>The finding's id in Audits (follow-up audits and <see cref="FindingStatusChanged"/> name it).</summary>
    public required Guid FindingId { get; init; }

    /// <summary>The canonical finding code (e.g. <c>FL-DOCUMENTS-RETAINED</c>).</summary>
    public required string Code { get; init; }

    /// <summary>The ILO forced-labour indicators the code maps to (e.g. <c>retention-of-identity-documents</c>); empty when none applies.</summary>
    public IReadOnlyList<string> IloIndicators { get; init; } = [];

    /// <summary>zero-tolerance, critical, major, minor or observation.</summary>
    public required string Severity { get; init; }

    /// <summary>The scheme's own item the auditor gave (e.g. an ETI/SMETA clause), when given.</summary>
    public string? SchemeItem { get; init; }

    /// <summary>open, progress or closed.</summary>
    public required string Status { get; init; }

    /// <summary>When the corrective action is due, when one was set.</summary>
    public DateOnly? CorrectiveActionDue { get; init; }
}

/// <summary>One accreditation of an auditor: a scheme, where and for which sectors, and when.</summary>
public sealed record Accreditation
{
    /// <summary>The scheme (SA8000, amfori BSCI, SMETA, Fairtrade, Rainforest Alliance, RSPO, ...).</summary>
    public required string Scheme { get; init; }

    /// <summary>ISO 3166-1 alpha-2 countries the accreditation covers.</summary>
    public required IReadOnlyList<string> Countries { get; init; }

    /// <summary>HS chapters (two digits) the accreditation covers; empty means every sector.</summary>
    public IReadOnlyList<string> HsChapters { get; init; } = [];

    /// <summary>First day the accreditation is valid.</summary>
    public required DateOnly ValidFrom { get; init; }

    /// <summary>Last day the accreditation is valid.</summary>
    public required DateOnly ValidTo { get; init; }
}
