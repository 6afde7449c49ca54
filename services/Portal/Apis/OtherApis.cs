using Microsoft.AspNetCore.WebUtilities;

namespace Traceability.Portal.Apis;

/// <summary>An accreditation: a scheme, where and for which goods, and when.</summary>
public sealed record Accreditation(string Scheme, IReadOnlyList<string> Countries, IReadOnlyList<string> HsChapters, DateOnly ValidFrom, DateOnly ValidTo);

/// <summary>An auditor in Audits' registry.</summary>
public sealed record Auditor(string Id, string Name, string Firm, string ApscaNumber, string Level, string Status, int Revision,
    IReadOnlyList<Accreditation> Accreditations, DateTime RegisteredAt, DateTime UpdatedAt);

/// <summary>A page of Audits' answers.</summary>
public sealed record AuditsPage<T>(IReadOnlyList<T> Items, int PageNumber, int PageSize, long Total);

/// <summary>A certificate's holder.</summary>
public sealed record CertificateHolder(Guid Id, string? Gln, string? OshId, string Name, string Country);

/// <summary>One status change of a certificate.</summary>
public sealed record CertificateChange(int Sequence, string Status, string? PreviousStatus, string? Reason, DateOnly EffectiveFrom, DateTime ChangedAt, string ChangedBy);

/// <summary>A certificate with its history.</summary>
public sealed record Certificate(Guid Id, string Scheme, string Number, CertificateHolder Holder, IReadOnlyList<string> ScopeHsCodes, DateOnly ValidFrom,
    DateOnly ValidTo, string Status, string? Reason, int Sequence, DateTime IssuedAt, DateTime UpdatedAt, IReadOnlyList<CertificateChange> History);

/// <summary>A facility as Audits knows it.</summary>
public sealed record AuditedFacility(Guid Id, string? Gln, string? OshId, string Name, string Country);

/// <summary>One audit of a facility, its findings counted.</summary>
public sealed record FacilityAuditSummary(Guid Id, string Scheme, string AuditType, string Announcement, DateOnly StartDate, DateOnly EndDate,
    string LeadAuditorId, string? OverallResult, int Revision, DateTime SubmittedAt, long Findings, long NonCompliances, long ZeroTolerance);

/// <summary>A page of a facility's audits the user may read, newest first, and how many there are in all.</summary>
public sealed record FacilityAudits(AuditedFacility Facility, IReadOnlyList<FacilityAuditSummary> Audits, int Page, int PageSize, long Total);

/// <summary>The certificates a facility holds that the user may read.</summary>
public sealed record FacilityCertificates(AuditedFacility Facility, IReadOnlyList<Certificate> Certificates);

/// <summary>A finding's evidence: a file's SHA-256 and media type (the file stays with the auditor).</summary>
public sealed record FindingEvidence(string Sha256, string MediaType, string? Description);

/// <summary>A corrective action and its deadline.</summary>
public sealed record CorrectiveAction(string Description, DateOnly DueDate);

/// <summary>One finding of an audit.</summary>
public sealed record AuditFinding(Guid Id, string Code, string Title, IReadOnlyList<string> IloIndicators, string Severity, string? SchemeItem, string Status,
    string? Description, IReadOnlyList<FindingEvidence> Evidence, CorrectiveAction? CorrectiveAction);

/// <summary>An audit with its findings.</summary>
public sealed record Audit(Guid Id, AuditedFacility Facility, string Scheme, string AuditType, string Announcement, DateOnly StartDate, DateOnly EndDate,
    string LeadAuditorId, IReadOnlyList<string> Team, int WorkersInterviewed, IReadOnlyList<string> HsChapters, string? OverallResult, int NonCompliances,
    Guid? FollowUpOf, int Revision, IReadOnlyList<AuditFinding> Findings, DateTime SubmittedAt);

/// <summary>Audits' API: auditors, accreditations, audits and certificates.</summary>
public sealed class AuditsApi(HttpClient http) : ServiceApi(http, "Audits")
{
    public static readonly IReadOnlyList<string> CertificateStatuses = ["valid", "suspended", "withdrawn"];

    public Task<ApiAnswer<AuditsPage<Auditor>>> ListAuditorsAsync(int page, CancellationToken cancellationToken) =>
        GetAsync<AuditsPage<Auditor>>(QueryHelpers.AddQueryString("api/v1/auditors", new Dictionary<string, string?>
        {
            ["page"] = page.ToString(System.Globalization.CultureInfo.InvariantCulture), ["pageSize"] = "100",
        }), cancellationToken);

    public Task<ApiAnswer<Auditor>> RegisterAuditorAsync(AuditorForm form, CancellationToken cancellationToken) =>
        PostAsync<Auditor>("api/v1/auditors", new
        {
            id = Blank(form.Id), name = form.Name, firm = form.Firm, apscaNumber = form.ApscaNumber, level = form.Level,
            accreditations = string.IsNullOrWhiteSpace(form.Scheme) ? [] : new[]
            {
                new { scheme = form.Scheme, countries = List(form.Countries), hsChapters = List(form.HsChapters), validFrom = form.ValidFrom, validTo = form.ValidTo },
            },
        }, cancellationToken);

    public Task<ApiAnswer<FacilityAudits>> GetFacilityAuditsAsync(string key, int page, CancellationToken cancellationToken) =>
        GetAsync<FacilityAudits>($"api/v1/facilities/{Uri.EscapeDataString(key)}/audits?page={page}&pageSize={FacilityAuditsPageSize}", cancellationToken);

    /// <summary>Audits per page on a facility's profile.</summary>
    public const int FacilityAuditsPageSize = 20;

    public Task<ApiAnswer<FacilityCertificates>> GetFacilityCertificatesAsync(string key, CancellationToken cancellationToken) =>
        GetAsync<FacilityCertificates>($"api/v1/facilities/{Uri.EscapeDataString(key)}/certificates", cancellationToken);

    public Task<ApiAnswer<Audit>> GetAuditAsync(Guid id, CancellationToken cancellationToken) =>
        GetAsync<Audit>($"api/v1/audits/{id}", cancellationToken);

    public Task<ApiAnswer<Certificate>> GetCertificateAsync(string scheme, string number, CancellationToken cancellationToken) =>
        GetAsync<Certificate>($"api/v1/certificates/{Uri.EscapeDataString(scheme)}/{Uri.EscapeDataString(number)}/history", cancellationToken);

    public Task<ApiAnswer<object>> ChangeCertificateStatusAsync(string scheme, string number, string? status, string? reason, CancellationToken cancellationToken) =>
        PostAsync<object>($"api/v1/certificates/{Uri.EscapeDataString(scheme)}/{Uri.EscapeDataString(number)}/status", new { status, reason }, cancellationToken);

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    // "GH, CI" → ["GH", "CI"]: Audits checks each value and names the one it refuses.
    private static string[] List(string? text) =>
        (text ?? "").Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>A new auditor and their first accreditation, as the certifier's form posts them.</summary>
public sealed class AuditorForm
{
    public string? Id { get; set; }
    public string? Name { get; set; }
    public string? Firm { get; set; }
    public string? ApscaNumber { get; set; }
    public string? Level { get; set; }
    public string? Scheme { get; set; }
    public string? Countries { get; set; }
    public string? HsChapters { get; set; }
    public DateOnly? ValidFrom { get; set; }
    public DateOnly? ValidTo { get; set; }
}

/// <summary>An exporter (a tenant of Provenance).</summary>
public sealed record Exporter(string Id, string Name, DateTime CreatedAt);

/// <summary>An exporter's API key as listed: never the key itself.</summary>
public sealed record ExporterApiKey(Guid KeyId, string Prefix, DateTime CreatedAt, DateTime? RevokedAt);

/// <summary>A key just issued: the one answer that holds the key.</summary>
public sealed record IssuedExporterKey(Guid KeyId, string ExporterId, string Key, string Prefix, DateTime CreatedAt);

/// <summary>Provenance's admin API: exporters and their API keys (a platform admin's token opens it).</summary>
public sealed class ProvenanceApi(HttpClient http) : ServiceApi(http, "Provenance")
{
    public Task<ApiAnswer<List<Exporter>>> ListExportersAsync(CancellationToken cancellationToken) =>
        GetAsync<List<Exporter>>("admin/exporters", cancellationToken);

    public Task<ApiAnswer<Exporter>> CreateExporterAsync(string? id, string? name, CancellationToken cancellationToken) =>
        PostAsync<Exporter>("admin/exporters", new { id = string.IsNullOrWhiteSpace(id) ? null : id.Trim(), name }, cancellationToken);

    public Task<ApiAnswer<List<ExporterApiKey>>> ListKeysAsync(string exporterId, CancellationToken cancellationToken) =>
        GetAsync<List<ExporterApiKey>>($"admin/exporters/{Uri.EscapeDataString(exporterId)}/keys", cancellationToken);

    public Task<ApiAnswer<IssuedExporterKey>> IssueKeyAsync(string exporterId, CancellationToken cancellationToken) =>
        PostAsync<IssuedExporterKey>($"admin/exporters/{Uri.EscapeDataString(exporterId)}/keys", null, cancellationToken);

    public Task<ApiAnswer<IssuedExporterKey>> RotateKeyAsync(string exporterId, Guid keyId, CancellationToken cancellationToken) =>
        PostAsync<IssuedExporterKey>($"admin/exporters/{Uri.EscapeDataString(exporterId)}/keys/{keyId}/rotate", null, cancellationToken);

    public Task<ApiAnswer<object>> RevokeKeyAsync(string exporterId, Guid keyId, CancellationToken cancellationToken) =>
        DeleteAsync<object>($"admin/exporters/{Uri.EscapeDataString(exporterId)}/keys/{keyId}", cancellationToken);
}

/// <summary>A platform user as Identity's admins see them.</summary>
public sealed record PlatformUser(string Id, string Email, IReadOnlyList<string> Roles, string? AuditorId, bool Disabled, bool TwoFactorEnabled,
    DateTimeOffset? LockedOutUntil, DateTimeOffset CreatedAt);

/// <summary>A new user and the one-time link to set their password.</summary>
public sealed record CreatedPlatformUser(PlatformUser User, SetPasswordLink SetPassword);

/// <summary>A one-time set-password link.</summary>
public sealed record SetPasswordLink(Uri Link, DateTimeOffset ExpiresAt, bool Mailed);

/// <summary>Identity's admin API: users and their roles.</summary>
public sealed class IdentityApi(HttpClient http) : ServiceApi(http, "Identity")
{
    public Task<ApiAnswer<List<PlatformUser>>> ListUsersAsync(CancellationToken cancellationToken) =>
        GetAsync<List<PlatformUser>>("admin/users", cancellationToken);

    public Task<ApiAnswer<CreatedPlatformUser>> CreateUserAsync(string? email, IReadOnlyList<string> roles, string? auditorId, CancellationToken cancellationToken) =>
        PostAsync<CreatedPlatformUser>("admin/users", new { email, roles, auditorId }, cancellationToken);
}
