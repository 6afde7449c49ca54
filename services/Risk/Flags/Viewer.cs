using System.Security.Claims;
using Traceability.Hosting;

namespace Traceability.Risk.Flags;

/// <summary>
/// Who is looking at flags, and so which flags exist for them: an admin sees every flag; a caseworker the
/// flags holding a grievance; an auditor the flags inside one of their active accreditations (country, and
/// the flag's scheme and HS chapter where it has them, on today's date). Every other flag answers 404.
/// </summary>
public sealed record Viewer(string Subject, bool Admin, bool Caseworker, string? AuditorId)
{
    /// <summary>The viewer a token describes.</summary>
    public static Viewer Of(ClaimsPrincipal user) => new(
        user.Subject() ?? "unknown",
        user.IsInRole(Roles.Admin),
        user.IsInRole(Roles.Caseworker),
        user.IsInRole(Roles.Auditor) ? user.AuditorId() : null);

    /// <summary>The name the history records for this viewer's steps.</summary>
    public string Actor => AuditorId is not null ? $"auditor:{AuditorId}" : Subject;

    /// <summary>Which of the scoped statements applies.</summary>
    public Visibility Visibility =>
        Admin ? Visibility.All
        : Caseworker && AuditorId is not null ? Visibility.GrievancesOrAccreditation
        : Caseworker ? Visibility.Grievances
        : AuditorId is not null ? Visibility.Accreditation
        : Visibility.None;
}

/// <summary>The four ways a flag statement is scoped.</summary>
public enum Visibility
{
    /// <summary>An auditor token without an auditor id: nothing.</summary>
    None,
    /// <summary>Admin.</summary>
    All,
    /// <summary>Caseworker.</summary>
    Grievances,
    /// <summary>Auditor.</summary>
    Accreditation,
    /// <summary>Caseworker and auditor at once.</summary>
    GrievancesOrAccreditation,
}

/// <summary>The scope conditions on a flag aliased <c>f</c> (fragments, not statements).</summary>
internal static class FlagVisibility
{
    public const string All = "1 = 1";

    public const string Grievances = "f.grievance_count > 0";

    // Parameters @AuditorId and @Today. A flag without a scheme (shipments, grievances) is open to every scheme of the
    // country; a flag without an HS chapter (facilities) to every sector; an accreditation without chapters covers all.
    public const string Accreditation = """
        EXISTS (SELECT 1 FROM risk.auditor_scope s JOIN risk.auditor a ON a.auditor_id = s.auditor_id
                WHERE s.auditor_id = @AuditorId AND a.status = 'active' AND s.country = f.scope_country
                  AND (f.scope_scheme IS NULL OR s.scheme = f.scope_scheme)
                  AND (s.hs_chapter IS NULL OR f.scope_hs_chapter IS NULL OR s.hs_chapter = f.scope_hs_chapter)
                  AND s.valid_from <= @Today AND s.valid_to >= @Today)
        """;

    public const string GrievancesOrAccreditation = $"({Grievances} OR {Accreditation})";

    public const string None = "1 = 0";
}
