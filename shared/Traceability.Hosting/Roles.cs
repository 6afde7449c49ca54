namespace Traceability.Hosting;

/// <summary>
/// The platform's roles, as they appear in the <c>role</c> claim of an access token. Exporters are not
/// a role: they prove who they are with API keys on Provenance.
/// </summary>
public static class Roles
{
    /// <summary>Runs the platform: users, exporters and their keys, every flag and case.</summary>
    public const string Admin = "admin";

    /// <summary>Staff of a certification or accreditation body: auditors' accreditations and certificate status.</summary>
    public const string Certifier = "certifier";

    /// <summary>An accredited auditor: uploads audits and works flags inside their accreditation scope.</summary>
    public const string Auditor = "auditor";

    /// <summary>Handles grievance cases; the only role that may ever see a worker's contact.</summary>
    public const string Caseworker = "caseworker";

    /// <summary>Every role, for validation and listings.</summary>
    public static readonly IReadOnlyList<string> All = [Admin, Certifier, Auditor, Caseworker];
}

/// <summary>The claims the platform reads from an access token.</summary>
public static class PlatformClaims
{
    /// <summary>The user's (or machine client's) stable id.</summary>
    public const string Subject = "sub";

    /// <summary>One claim per role the user holds (see <see cref="Roles"/>).</summary>
    public const string Role = "role";

    /// <summary>For auditors: the id of their record in the Audits service's auditor registry.</summary>
    public const string AuditorId = "auditor_id";
}
