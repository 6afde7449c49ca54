using Traceability.Audits.Features.KeepFacilities;
using Traceability.Audits.Features.RegisterAuditors;
using Traceability.Audits.Standards;
using Traceability.Contracts.Audits;
using Traceability.Data;
using Traceability.Hosting;
using Traceability.Hosting.Idempotency;

namespace Traceability.Audits.Features.SubmitAudit;

/// <summary>The audited facility as the API answers it.</summary>
public sealed record AuditFacilityResponse(Guid Id, string? Gln, string? OshId, string Name, string Country);

/// <summary>The workforce as the API answers it.</summary>
public sealed record HeadcountResponse(int Women, int Men, int Migrant, int Young);

/// <summary>A corrective action as the API answers it.</summary>
public sealed record CorrectiveActionResponse(string Description, DateOnly DueDate);

/// <summary>A finding as the API answers it.</summary>
public sealed record FindingResponse(Guid Id, string Code, string Title, IReadOnlyList<string> IloIndicators, string Severity, string? SchemeItem, string Status,
    string? Description, IReadOnlyList<ValidEvidence> Evidence, CorrectiveActionResponse? CorrectiveAction);

/// <summary>An audit as the API answers it. <see cref="NonCompliances"/> counts the findings that are not observations.</summary>
public sealed record AuditResponse(
    Guid Id, AuditFacilityResponse Facility, string Scheme, string AuditType, string Announcement, DateOnly StartDate, DateOnly EndDate, string LeadAuditorId,
    IReadOnlyList<string> Team, int WorkersInterviewed, HeadcountResponse Headcount, IReadOnlyList<string> HsChapters, string? OverallResult, int NonCompliances,
    Guid? FollowUpOf, int Revision, IReadOnlyList<FindingResponse> Findings, DateTime SubmittedAt, ValidCapacity? ProductionCapacity = null);

/// <summary>
/// Audit submission: the scope check, then the audit, its findings and evidence, the follow-up's status
/// changes, <see cref="AuditSubmitted"/> and a <see cref="FindingStatusChanged"/> per change, in one transaction.
/// </summary>
public sealed class Audits(Database database, FacilityDirectory facilities, FindingCodes codes, TimeProvider time)
{
    /// <summary>How a submission ended: stored, refused for scope (403), refused for what it names (400), or lost a race (409).</summary>
    public sealed record Outcome(AuditResponse? Audit, ScopeRefusal? Refusal, ValidationErrors? Errors, string? Conflict = null);

    /// <summary>Today for the service (audits may not end after it).</summary>
    public DateOnly Today => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);

    /// <summary>Submits an audit led by <paramref name="auditorId"/>, uploaded by the token's <paramref name="subject"/>.</summary>
    public Task<Outcome> SubmitAsync(HttpContext http, string auditorId, string subject, ValidAudit audit, CancellationToken cancellationToken)
    {
        var now = Now();
        var auditId = Guid.CreateVersion7();
        var eventId = Guid.CreateVersion7();
        var findingIds = audit.Findings.Select(_ => Guid.CreateVersion7()).ToList();
        return database.InTransactionAsync(async data =>
        {
            var known = await data.QueryAsync<KnownFacility>(KeepFacilitiesSql.FindByIds, new { audit.Gln, audit.OshId });
            if (known.Count > 1)
            {
                return Refused("facility.oshId", "The GLN and the Open Supply Hub id name two different facilities.");
            }
            if (known.Count == 1 && known[0].Country != audit.Country)
            {
                return Refused("facility.country", $"The facility with these ids is in {known[0].Country}.");
            }
            var previousLeads = known.Count == 0 ? [] : await data.QueryAsync<string>(AuditsSql.PreviousLeads,
                new { FacilityId = known[0].Id, Scheme = audit.Scheme.Id, audit.StartDate });
            var auditor = await Auditors.ReadAsync(data, auditorId);
            if (AuditScope.Check(auditor, auditorId, audit, audit.Country, previousLeads) is { } refusal)
            {
                return new Outcome(null, refusal, null);
            }
            var changes = new List<(EarlierFinding Finding, string Status)>();
            if (audit.FollowUpOf is { } followed)
            {
                var errors = await FollowUpErrorsAsync(data, known.FirstOrDefault(), audit, followed, changes);
                if (!errors.IsEmpty)
                {
                    return new Outcome(null, null, errors);
                }
            }
            var (_, facility) = await facilities.ResolveAsync(data, audit.Gln, audit.OshId, audit.FacilityName, audit.Country, "audit", now);
            var response = new AuditResponse(auditId, new AuditFacilityResponse(facility!.Id, facility.Gln, facility.OshId, facility.Name, facility.Country),
                audit.Scheme.Id, audit.AuditType, audit.Announcement, audit.StartDate, audit.EndDate, auditorId, audit.Team, audit.WorkersInterviewed,
                new HeadcountResponse(audit.Women, audit.Men, audit.Migrant, audit.Young), audit.HsChapters, audit.OverallResult,
                audit.Findings.Count(f => f.Severity != "observation"), audit.FollowUpOf, 1,
                audit.Findings.Select((f, i) => Response(findingIds[i], f, "open")).ToList(), now, audit.Capacity);
            data.Defer(AuditsSql.InsertAudit, new
            {
                Id = auditId, FacilityId = facility.Id, Scheme = audit.Scheme.Id, audit.AuditType, audit.Announcement, audit.StartDate, audit.EndDate,
                LeadAuditorId = auditorId, Team = string.Join('\n', audit.Team), audit.FollowUpOf, audit.WorkersInterviewed, audit.Women, audit.Men,
                audit.Migrant, audit.Young, HsChapters = string.Join(' ', audit.HsChapters), audit.OverallResult, Revision = 1, SubmittedBy = subject, SubmittedAt = now,
                CapacityQuantity = audit.Capacity?.Quantity, CapacityUnit = audit.Capacity?.Unit, CapacityPeriod = audit.Capacity?.Period,
            });
            foreach (var chapter in audit.HsChapters)
            {
                data.Defer(AuditsSql.InsertChapter, new { AuditId = auditId, SchemeChapter = AuditorReach.Cell(audit.Scheme.Id, chapter) });
            }
            WriteFindings(data, auditId, 0, audit.Findings, findingIds, now);
            foreach (var (finding, status) in changes)
            {
                data.Defer(AuditsSql.UpdateFindingStatus, new { finding.Id, Status = status });
                data.Defer(AuditsSql.InsertStatusChange, new { FindingId = finding.Id, FollowUpAuditId = auditId, PreviousStatus = finding.Status, Status = status, ChangedAt = now });
                data.Publish(new FindingStatusChanged
                {
                    EventId = Guid.CreateVersion7(), TenantId = AuditsTenant.Id, OccurredAt = now, FindingId = finding.Id, AuditId = finding.AuditId,
                    ChangedByAuditId = auditId, Facility = facility.ToContract(), Scheme = audit.Scheme.Id, Code = finding.Code,
                    IloIndicators = codes.Find(finding.Code)?.IloIndicators ?? [], Severity = finding.Severity, PreviousStatus = finding.Status, Status = status,
                });
            }
            data.Publish(Event(eventId, response, facility));
            IdempotentRequest.Save(data, http, StatusCodes.Status201Created, response, $"/api/v1/audits/{auditId}");
            return new Outcome(response, null, null);
        }, cancellationToken);
    }

    /// <summary>
    /// Adds findings (from a CSV upload) to an audit its lead auditor submitted, and publishes <see cref="AuditSubmitted"/>
    /// again with every finding so far and the next revision. Null when the audit is not the auditor's.
    /// </summary>
    public Task<Outcome?> AddFindingsAsync(HttpContext http, Guid auditId, string auditorId, IReadOnlyList<ValidFinding> added, CancellationToken cancellationToken)
    {
        var now = Now();
        var eventId = Guid.CreateVersion7();
        var findingIds = added.Select(_ => Guid.CreateVersion7()).ToList();
        return database.InTransactionAsync(async data =>
        {
            var audit = await ReadAsync(data, auditId);
            if (audit is null || audit.LeadAuditorId != auditorId)
            {
                return null;
            }
            if (audit.Findings.Count + added.Count > AuditRequest.MaxFindings)
            {
                return Refused("$", $"An audit has at most {AuditRequest.MaxFindings} findings; this one has {audit.Findings.Count}.");
            }
            if (await data.ExecuteAsync(AuditsSql.RaiseRevision, new { Id = auditId, audit.Revision }) == 0)
            {
                return new Outcome(null, null, null, "Findings were added to this audit at the same time; read it again and send the file again.");
            }
            WriteFindings(data, auditId, audit.Findings.Count, added, findingIds, now);
            var findings = audit.Findings.Concat(added.Select((f, i) => Response(findingIds[i], f, "open"))).ToList();
            var updated = audit with
            {
                Revision = audit.Revision + 1,
                Findings = findings,
                NonCompliances = findings.Count(f => f.Severity != "observation"),
            };
            var facility = new KnownFacility(audit.Facility.Id, audit.Facility.Gln, audit.Facility.OshId, audit.Facility.Name, audit.Facility.Country);
            data.Publish(Event(eventId, updated, facility));
            IdempotentRequest.Save(data, http, StatusCodes.Status200OK, updated, null);
            return (Outcome?)new Outcome(updated, null, null);
        }, cancellationToken);
    }

    /// <summary>An audit, when <paramref name="auditorId"/> is null (certifiers, admins) or leads it; otherwise null.</summary>
    public Task<AuditResponse?> FindAsync(Guid id, string? auditorId, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async data => await ReadAsync(data, id) is { } audit && (auditorId is null || audit.LeadAuditorId == auditorId) ? audit : null,
            cancellationToken);

    private async Task<AuditResponse?> ReadAsync(DataTransaction data, Guid id)
    {
        var row = await data.QuerySingleOrDefaultAsync<AuditRow>(AuditsSql.Audit, new { Id = id });
        if (row is null)
        {
            return null;
        }
        var evidence = (await data.QueryAsync<EvidenceRow>(AuditsSql.Evidence, new { Id = id })).ToLookup(e => e.FindingId);
        var findings = (await data.QueryAsync<FindingRow>(AuditsSql.Findings, new { Id = id })).Select(f =>
        {
            var code = codes.Find(f.Code);
            return new FindingResponse(f.Id, f.Code, code?.Title ?? f.Code, code?.IloIndicators ?? [], f.Severity, f.SchemeItem, f.Status, f.Description,
                evidence[f.Id].Select(e => new ValidEvidence(e.Sha256, e.MediaType, e.Description)).ToList(),
                f.CorrectiveAction is { } action && f.CorrectiveActionDue is { } due ? new CorrectiveActionResponse(action, due) : null);
        }).ToList();
        return new AuditResponse(row.Id, new AuditFacilityResponse(row.FacilityId, row.Gln, row.OshId, row.FacilityName, row.Country), row.Scheme, row.AuditType,
            row.Announcement, row.StartDate, row.EndDate, row.LeadAuditorId, row.Team.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            row.WorkersInterviewed, new HeadcountResponse(row.Women, row.Men, row.Migrant, row.Young), row.HsChapters.Split(' ', StringSplitOptions.RemoveEmptyEntries),
            row.OverallResult, findings.Count(f => f.Severity != "observation"), row.FollowUpOf, row.Revision, findings,
            DateTime.SpecifyKind(row.SubmittedAt, DateTimeKind.Utc),
            row.CapacityQuantity is { } quantity ? new ValidCapacity(quantity, row.CapacityUnit!, row.CapacityPeriod!) : null);
    }

    private async Task<ValidationErrors> FollowUpErrorsAsync(DataTransaction data, KnownFacility? facility, ValidAudit audit, Guid followed,
        List<(EarlierFinding, string)> changes)
    {
        var errors = new ValidationErrors();
        var earlier = await data.QueryAsync<AuditRow>(AuditsSql.Audit, new { Id = followed });
        if (earlier.Count == 0 || facility is null || earlier[0].FacilityId != facility.Id || earlier[0].Scheme != audit.Scheme.Id || earlier[0].StartDate > audit.StartDate)
        {
            return errors.Add("followUpOf", "The audit followed up is an earlier audit of the same facility under the same scheme.");
        }
        var findings = (await data.QueryAsync<EarlierFinding>(AuditsSql.EarlierFindings, new { FacilityId = facility.Id, Scheme = audit.Scheme.Id, audit.StartDate }))
            .ToDictionary(f => f.Id);
        for (var i = 0; i < audit.FollowUps.Count; i++)
        {
            var (findingId, status) = audit.FollowUps[i];
            if (!findings.TryGetValue(findingId, out var finding))
            {
                errors.Add($"followUps[{i}].findingId", "Not a finding of an earlier audit of this facility under this scheme.");
            }
            else if (finding.Status != status)
            {
                changes.Add((finding, status));
            }
        }
        return errors;
    }

    private static void WriteFindings(DataTransaction data, Guid auditId, int firstPosition, IReadOnlyList<ValidFinding> findings, IReadOnlyList<Guid> ids, DateTime now)
    {
        for (var i = 0; i < findings.Count; i++)
        {
            var f = findings[i];
            data.Defer(AuditsSql.InsertFinding, new
            {
                Id = ids[i], AuditId = auditId, Position = firstPosition + i, Code = f.Code.Code, f.SchemeItem, f.Severity, Status = "open", f.Description,
                f.CorrectiveAction, f.CorrectiveActionDue, RecordedAt = now,
            });
            for (var e = 0; e < f.Evidence.Count; e++)
            {
                data.Defer(AuditsSql.InsertEvidence, new { FindingId = ids[i], Position = e, f.Evidence[e].Sha256, f.Evidence[e].MediaType, f.Evidence[e].Description });
            }
        }
    }

    private static FindingResponse Response(Guid id, ValidFinding f, string status) =>
        new(id, f.Code.Code, f.Code.Title, f.Code.IloIndicators, f.Severity, f.SchemeItem, status, f.Description, f.Evidence,
            f.CorrectiveAction is { } action && f.CorrectiveActionDue is { } due ? new CorrectiveActionResponse(action, due) : null);

    private static AuditSubmitted Event(Guid eventId, AuditResponse a, KnownFacility facility) => new()
    {
        EventId = eventId,
        TenantId = AuditsTenant.Id,
        OccurredAt = a.SubmittedAt,
        AuditId = a.Id,
        Revision = a.Revision,
        Facility = facility.ToContract(),
        Scheme = a.Scheme,
        AuditType = a.AuditType,
        Announcement = a.Announcement,
        StartDate = a.StartDate,
        EndDate = a.EndDate,
        LeadAuditorId = a.LeadAuditorId,
        FollowUpOf = a.FollowUpOf,
        OverallResult = a.OverallResult,
        Findings = a.Findings.Select(f => new AuditFinding
        {
            FindingId = f.Id, Code = f.Code, IloIndicators = f.IloIndicators, Severity = f.Severity, SchemeItem = f.SchemeItem, Status = f.Status,
            CorrectiveActionDue = f.CorrectiveAction?.DueDate,
        }).ToList(),
        ProductionCapacity = a.ProductionCapacity is { } capacity
            ? new ProductionCapacity { Quantity = capacity.Quantity, Unit = capacity.Unit, Period = capacity.Period }
            : null,
    };

    private static Outcome Refused(string field, string message) => new(null, null, new ValidationErrors().Add(field, message));

    private DateTime Now()
    {
        var now = time.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - now.Ticks % 10, DateTimeKind.Utc);
    }

    private sealed record AuditRow
    {
        public Guid Id { get; init; }
        public Guid FacilityId { get; init; }
        public string? Gln { get; init; }
        public string? OshId { get; init; }
        public string FacilityName { get; init; } = "";
        public string Country { get; init; } = "";
        public string Scheme { get; init; } = "";
        public string AuditType { get; init; } = "";
        public string Announcement { get; init; } = "";
        public DateOnly StartDate { get; init; }
        public DateOnly EndDate { get; init; }
        public string LeadAuditorId { get; init; } = "";
        public string Team { get; init; } = "";
        public Guid? FollowUpOf { get; init; }
        public int WorkersInterviewed { get; init; }
        public int Women { get; init; }
        public int Men { get; init; }
        public int Migrant { get; init; }
        public int Young { get; init; }
        public string HsChapters { get; init; } = "";
        public string? OverallResult { get; init; }
        public int Revision { get; init; }
        public DateTime SubmittedAt { get; init; }
        public decimal? CapacityQuantity { get; init; }
        public string? CapacityUnit { get; init; }
        public string? CapacityPeriod { get; init; }
    }

    private sealed record FindingRow
    {
        public Guid Id { get; init; }
        public string Code { get; init; } = "";
        public string? SchemeItem { get; init; }
        public string Severity { get; init; } = "";
        public string Status { get; init; } = "";
        public string? Description { get; init; }
        public string? CorrectiveAction { get; init; }
        public DateOnly? CorrectiveActionDue { get; init; }
    }

    private sealed record EvidenceRow
    {
        public Guid FindingId { get; init; }
        public string Sha256 { get; init; } = "";
        public string MediaType { get; init; } = "";
        public string? Description { get; init; }
    }

    private sealed record EarlierFinding
    {
        public Guid Id { get; init; }
        public Guid AuditId { get; init; }
        public string Code { get; init; } = "";
        public string Severity { get; init; } = "";
        public string Status { get; init; } = "";
    }
}
