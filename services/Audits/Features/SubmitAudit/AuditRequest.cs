using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Traceability.Audits.Standards;
using Traceability.Hosting;

namespace Traceability.Audits.Features.SubmitAudit;

/// <summary>The audited facility as the audit names it.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record AuditFacilityRequest(string? Gln, string? OshId, string? Name, string? Country);

/// <summary>The workforce on the audit days.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record HeadcountRequest(int? Women, int? Men, int? Migrant, int? Young);

/// <summary>A piece of evidence: the file stays with the auditor; its SHA-256 proves which file it was.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record EvidenceRequest(string? Sha256, string? MediaType, string? Description);

/// <summary>What the facility must do about a finding, and by when.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CorrectiveActionRequest(string? Description, DateOnly? DueDate);

/// <summary>A finding: a canonical code, or the scheme's own item to be mapped to one.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record FindingRequest(string? Code, string? SchemeItem, string? Severity, string? Description, IReadOnlyList<EvidenceRequest?>? Evidence,
    CorrectiveActionRequest? CorrectiveAction);

/// <summary>How much the facility can produce in a period, as the auditor found it (mass balance compares shipments with it).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ProductionCapacityRequest(decimal? Quantity, string? Unit, string? Period);

/// <summary>What a follow-up audit found of an earlier finding.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record FollowUpRequest(Guid? FindingId, string? Status);

/// <summary>An audit as an auditor uploads it; the lead auditor is the auditor whose token uploads it.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record AuditRequest(
    AuditFacilityRequest? Facility,
    string? Scheme,
    string? AuditType,
    string? Announcement,
    DateOnly? StartDate,
    DateOnly? EndDate,
    IReadOnlyList<string?>? Team,
    int? WorkersInterviewed,
    HeadcountRequest? Headcount,
    IReadOnlyList<string?>? HsChapters,
    string? OverallResult,
    Guid? FollowUpOf,
    IReadOnlyList<FindingRequest?>? Findings,
    IReadOnlyList<FollowUpRequest?>? FollowUps,
    ProductionCapacityRequest? ProductionCapacity = null)
{
    /// <summary>The periods a production capacity is given for (calendar month or year).</summary>
    public static readonly IReadOnlyList<string> CapacityPeriods = ["month", "year"];

    /// <summary>initial, periodic or follow-up.</summary>
    public static readonly IReadOnlyList<string> AuditTypes = ["initial", "periodic", "follow-up"];

    /// <summary>How much notice the facility had.</summary>
    public static readonly IReadOnlyList<string> Announcements = ["announced", "semi-announced", "unannounced"];

    /// <summary>A finding's standing: open, progress (corrective action under way) or closed.</summary>
    public static readonly IReadOnlyList<string> FindingStatuses = ["open", "progress", "closed"];

    /// <summary>Findings one audit may carry (JSON and CSV together).</summary>
    public const int MaxFindings = 1000;

    /// <summary>Checks every field; <paramref name="today"/> is the service's date (an audit cannot end after it).</summary>
    public bool TryValidate(FindingCodes codes, DateOnly today, out ValidAudit audit, out ValidationErrors errors)
    {
        errors = new ValidationErrors();
        var facility = Facility;
        string? facilityName = null;
        if (facility is null)
        {
            errors.Add("facility", "The audited facility is required: gln and/or oshId, name and country.");
        }
        else
        {
            FacilityIds.Require(errors, facility.Gln, facility.OshId, "facility");
            facilityName = errors.RequireText("facility.name", facility.Name, 200, required: true, "The facility's name");
            errors.Require(CountryCodes.IsAssigned(facility.Country), "facility.country", "The country is an ISO 3166-1 alpha-2 code in upper case, e.g. GH.");
        }
        var scheme = Schemes.Find(Scheme);
        errors.Require(scheme is not null, "scheme", $"The scheme is one of: {Schemes.Listed}.");
        errors.Require(AuditType is not null && AuditTypes.Contains(AuditType), "auditType", "The audit type is initial, periodic or follow-up.");
        errors.Require(Announcement is not null && Announcements.Contains(Announcement), "announcement", "The announcement is announced, semi-announced or unannounced.");
        ValidateDates(today, errors);
        var team = ValidateTeam(errors);
        ValidateWorkforce(errors);
        var chapters = HsChapters ?? [];
        errors.Require(chapters.Count <= 97, "hsChapters", "At most 97 HS chapters.");
        for (var i = 0; i < chapters.Count && i < 97; i++)
        {
            errors.Require(HsCodes.IsChapter(chapters[i]), $"hsChapters[{i}]", RegisterAuditors.AuditorRequest.ChapterRule);
        }
        if (scheme is not null)
        {
            errors.Require(OverallResult is null ? scheme.Results.Count == 0 : scheme.Results.Contains(OverallResult), "overallResult",
                scheme.Results.Count == 0
                    ? $"{scheme.Name} has no overall result (its non-compliances are counted from the findings): leave it out."
                    : $"The overall result under {scheme.Name} is one of: {string.Join(", ", scheme.Results)}.");
        }
        errors.Require((AuditType == "follow-up") == (FollowUpOf is not null), "followUpOf",
            "A follow-up audit names the audit it follows (followUpOf); other audits do not.");
        errors.Require(FollowUpOf != Guid.Empty, "followUpOf", "The audit followed up is the id of an audit.");
        var followUps = ValidateFollowUps(errors);
        var capacity = ValidateCapacity(errors);
        var findings = new List<ValidFinding>();
        var given = Findings ?? [];
        errors.Require(given.Count <= MaxFindings, "findings", $"At most {MaxFindings} findings.");
        for (var i = 0; i < given.Count && i < MaxFindings; i++)
        {
            if (ValidFinding.From(given[i], scheme, codes, EndDate, $"findings[{i}]", errors) is { } finding)
            {
                findings.Add(finding);
            }
        }
        audit = errors.IsEmpty
            ? new ValidAudit(facility!.Gln, facility.OshId, facilityName!, facility.Country!, scheme!, AuditType!, Announcement!, StartDate!.Value, EndDate!.Value, team,
                WorkersInterviewed!.Value, Headcount!.Women!.Value, Headcount.Men!.Value, Headcount.Migrant!.Value, Headcount.Young!.Value,
                chapters.Select(c => c!).Distinct().Order().ToList(), OverallResult, FollowUpOf, findings, followUps, capacity)
            : null!;
        return errors.IsEmpty;
    }

    private void ValidateDates(DateOnly today, ValidationErrors errors)
    {
        // Audits of the platform's time; a year 1 or 9999 date is a typing error, not an audit.
        errors.Require(StartDate is { Year: >= 2000 }, "startDate", "The first on-site day is a date from 2000.");
        errors.Require(EndDate is { Year: >= 2000 }, "endDate", "The last on-site day is a date from 2000.");
        if (StartDate is { } start && EndDate is { } end)
        {
            errors.Require(start <= end, "endDate", "The last on-site day is on or after the first (the dates are out of order).");
            errors.Require(end.DayNumber - start.DayNumber < 31, "endDate", "An audit is on site for at most 31 days.");
        }
        // Today anywhere on Earth (UTC+14) is at most a day after today in UTC.
        errors.Require(EndDate is null || EndDate <= today.AddDays(1), "endDate", "An audit is uploaded after it happened: the last on-site day is not in the future.");
        errors.Require(StartDate is null || StartDate <= today.AddDays(1), "startDate", "An audit is uploaded after it happened: the first on-site day is not in the future.");
    }

    private ValidCapacity? ValidateCapacity(ValidationErrors errors)
    {
        if (ProductionCapacity is not { } capacity)
        {
            return null;
        }
        var quantityOk = errors.Require(capacity.Quantity is > 0 and <= 1_000_000_000_000m, "productionCapacity.quantity",
            "The capacity is a quantity more than 0 and at most 10^12.");
        var unitOk = errors.Require(capacity.Unit is not null && QuantityUnits.All.Contains(capacity.Unit), "productionCapacity.unit",
            $"The unit is one of: {QuantityUnits.Listed}.");
        var periodOk = errors.Require(capacity.Period is not null && CapacityPeriods.Contains(capacity.Period), "productionCapacity.period",
            "The period is month or year (a calendar month or year).");
        return quantityOk && unitOk && periodOk ? new ValidCapacity(capacity.Quantity!.Value, capacity.Unit!, capacity.Period!) : null;
    }

    private List<string> ValidateTeam(ValidationErrors errors)
    {
        var team = new List<string>();
        var given = Team ?? [];
        errors.Require(given.Count <= 20, "team", "At most 20 team members besides the lead auditor.");
        for (var i = 0; i < given.Count && i < 20; i++)
        {
            if (errors.RequireText($"team[{i}]", given[i], 90, required: true, "A team member's name or auditor id") is { } member)
            {
                team.Add(member);
            }
        }
        return team;
    }

    private void ValidateWorkforce(ValidationErrors errors)
    {
        const int most = 1_000_000;
        errors.Require(WorkersInterviewed is >= 0 and <= most, "workersInterviewed", "The number of workers interviewed is from 0 to 1,000,000.");
        if (Headcount is null)
        {
            errors.Add("headcount", "The headcount is required: women, men, migrant and young workers.");
            return;
        }
        errors.Require(Headcount.Women is >= 0 and <= most, "headcount.women", "A headcount is from 0 to 1,000,000.");
        errors.Require(Headcount.Men is >= 0 and <= most, "headcount.men", "A headcount is from 0 to 1,000,000.");
        var total = (Headcount.Women ?? 0) + (Headcount.Men ?? 0);
        errors.Require(Headcount.Migrant is >= 0 && Headcount.Migrant <= total, "headcount.migrant", "Migrant workers are from 0 to the whole workforce (women and men).");
        errors.Require(Headcount.Young is >= 0 && Headcount.Young <= total, "headcount.young", "Young workers are from 0 to the whole workforce (women and men).");
        errors.Require(WorkersInterviewed is null || WorkersInterviewed <= total, "workersInterviewed", "No more workers interviewed than the workforce (women and men).");
    }

    private List<(Guid FindingId, string Status)> ValidateFollowUps(ValidationErrors errors)
    {
        var followUps = new List<(Guid, string)>();
        var given = FollowUps ?? [];
        errors.Require(given.Count == 0 || AuditType == "follow-up", "followUps", "Only a follow-up audit says what became of earlier findings.");
        errors.Require(given.Count <= MaxFindings, "followUps", $"At most {MaxFindings} follow-ups.");
        for (var i = 0; i < given.Count && i < MaxFindings; i++)
        {
            var followUp = given[i];
            var idOk = errors.Require(followUp?.FindingId is { } id && id != Guid.Empty, $"followUps[{i}].findingId", "The finding's id is required.");
            var statusOk = errors.Require(followUp?.Status is { } status && FindingStatuses.Contains(status), $"followUps[{i}].status",
                "The status is open (reopened or still open), progress or closed.");
            if (idOk && statusOk)
            {
                errors.Require(followUps.All(f => f.Item1 != followUp!.FindingId), $"followUps[{i}].findingId", "Each finding once.");
                followUps.Add((followUp!.FindingId!.Value, followUp.Status!));
            }
        }
        return followUps;
    }
}

/// <summary>A piece of evidence that passed validation.</summary>
public sealed record ValidEvidence(string Sha256, string MediaType, string? Description);

/// <summary>A finding that passed validation, on the canonical list.</summary>
public sealed partial record ValidFinding(FindingCode Code, string? SchemeItem, string Severity, string? Description, IReadOnlyList<ValidEvidence> Evidence,
    string? CorrectiveAction, DateOnly? CorrectiveActionDue)
{
    /// <summary>
    /// Checks one finding (from JSON or a CSV row) under <paramref name="field"/>: a known code or a scheme item that
    /// maps to exactly one, a severity (a zero-tolerance code cannot be given less), evidence and corrective action.
    /// </summary>
    public static ValidFinding? From(FindingRequest? finding, Scheme? scheme, FindingCodes codes, DateOnly? auditEnd, string field, ValidationErrors errors)
    {
        if (finding is null)
        {
            errors.Add(field, "A finding is an object.");
            return null;
        }
        var before = errors.ToDictionary().Count;
        var code = ResolveCode(finding, scheme, codes, field, errors);
        var severity = finding.Severity ?? code?.DefaultSeverity;
        if (severity is not null && !FindingCodes.Severities.Contains(severity))
        {
            errors.Add($"{field}.severity", $"The severity is one of: {string.Join(", ", FindingCodes.Severities)}.");
        }
        else if (code is { ZeroTolerance: true } && severity != "zero-tolerance")
        {
            errors.Add($"{field}.severity", $"{code.Code} is a zero-tolerance issue: its severity is zero-tolerance (or leave it out).");
        }
        var description = errors.RequireText($"{field}.description", finding.Description, 2000, required: false, "The description");
        var evidence = new List<ValidEvidence>();
        var given = finding.Evidence ?? [];
        errors.Require(given.Count <= 20, $"{field}.evidence", "At most 20 pieces of evidence per finding.");
        for (var e = 0; e < given.Count && e < 20; e++)
        {
            var item = given[e];
            var at = $"{field}.evidence[{e}]";
            errors.Require(item?.Sha256 is { } sha && Sha256Pattern().IsMatch(sha), $"{at}.sha256", "The SHA-256 is 64 lower-case hexadecimal digits.");
            errors.Require(item?.MediaType is { } media && MediaTypePattern().IsMatch(media), $"{at}.mediaType", "The media type is type/subtype, e.g. image/jpeg or application/pdf.");
            var what = errors.RequireText($"{at}.description", item?.Description, 500, required: false, "The evidence's description");
            if (item?.Sha256 is { } s && item.MediaType is { } m)
            {
                evidence.Add(new ValidEvidence(s, m, what));
            }
        }
        var action = errors.RequireText($"{field}.correctiveAction.description", finding.CorrectiveAction?.Description, 2000, required: false, "The corrective action");
        var due = finding.CorrectiveAction?.DueDate;
        errors.Require(finding.CorrectiveAction is null || (action is not null && due is not null), $"{field}.correctiveAction",
            "A corrective action has a description and a due date.");
        errors.Require(due is null || auditEnd is null || (due >= auditEnd && due.Value.DayNumber - auditEnd.Value.DayNumber <= 3 * 366), $"{field}.correctiveAction.dueDate",
            "The corrective action is due on or after the audit's last day, within three years.");
        return errors.ToDictionary().Count == before && code is not null
            ? new ValidFinding(code, finding.SchemeItem?.Trim(), severity!, description, evidence, action, due)
            : null;
    }

    private static FindingCode? ResolveCode(FindingRequest finding, Scheme? scheme, FindingCodes codes, string field, ValidationErrors errors)
    {
        if (finding.Code is not null)
        {
            var code = codes.Find(finding.Code);
            errors.Require(code is not null, $"{field}.code", "The code is not on the canonical finding code list (GET /api/v1/finding-codes).");
            return code;
        }
        if (finding.SchemeItem is null)
        {
            errors.Add($"{field}.code", "A finding needs a code from the canonical list, or the scheme's own item (schemeItem).");
            return null;
        }
        if (scheme is null)
        {
            return null;
        }
        if (scheme.ItemList is null)
        {
            errors.Add($"{field}.schemeItem", $"{scheme.Name} items are not mapped: give the canonical code instead.");
            return null;
        }
        var mapped = codes.CodesFor(scheme.ItemList, finding.SchemeItem);
        if (mapped.Count == 1)
        {
            return codes.Find(mapped[0]);
        }
        errors.Add($"{field}.schemeItem", mapped.Count == 0
            ? $"{finding.SchemeItem.Trim()} is not a {scheme.Name} item the code list maps."
            : $"{finding.SchemeItem.Trim()} stands for several codes ({string.Join(", ", mapped)}): give the code.");
        return null;
    }

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Pattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9!#$&^_.+-]{0,49}/[a-z0-9][a-z0-9!#$&^_.+-]{0,49}$")]
    private static partial Regex MediaTypePattern();
}

/// <summary>An audit that passed validation.</summary>
public sealed record ValidAudit(
    string? Gln, string? OshId, string FacilityName, string Country, Scheme Scheme, string AuditType, string Announcement, DateOnly StartDate, DateOnly EndDate,
    IReadOnlyList<string> Team, int WorkersInterviewed, int Women, int Men, int Migrant, int Young, IReadOnlyList<string> HsChapters, string? OverallResult,
    Guid? FollowUpOf, IReadOnlyList<ValidFinding> Findings, IReadOnlyList<(Guid FindingId, string Status)> FollowUps, ValidCapacity? Capacity = null);

/// <summary>A production capacity that passed validation; the API answers it as it was given.</summary>
public sealed record ValidCapacity(decimal Quantity, string Unit, string Period);
