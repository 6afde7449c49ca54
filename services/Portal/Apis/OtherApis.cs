namespace Traceability.Portal.Apis;

/// <summary>Audits' API: auditors, accreditations, audits and certificates.</summary>
public sealed class AuditsApi(HttpClient http) : ServiceApi(http, "Audits");

/// <summary>Grievances' API: the caseworkers' cases.</summary>
public sealed class GrievancesApi(HttpClient http) : ServiceApi(http, "Grievances");

/// <summary>Provenance's API: shipments and facilities as evidence, exporters and their keys.</summary>
public sealed class ProvenanceApi(HttpClient http) : ServiceApi(http, "Provenance");

/// <summary>Identity's API: users and their roles.</summary>
public sealed class IdentityApi(HttpClient http) : ServiceApi(http, "Identity");
