using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Traceability.Audits.Standards;
using Traceability.Hosting;

namespace Traceability.Audits.Features.RegisterAuditors;

/// <summary>An accreditation as a certifier sends it.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record AccreditationRequest(string? Scheme, IReadOnlyList<string?>? Countries, IReadOnlyList<string?>? HsChapters, DateOnly? ValidFrom, DateOnly? ValidTo);

/// <summary>An auditor as a certifier registers or replaces them.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed partial record AuditorRequest(
    string? Id,
    string? Name,
    string? Firm,
    string? ApscaNumber,
    string? Level,
    string? Status,
    IReadOnlyList<AccreditationRequest?>? Accreditations)
{
    /// <summary>APSCA levels: associate, registered, certified. Only RA and CSCA sign off an audit.</summary>
    public static readonly IReadOnlyList<string> Levels = ["ASCA", "RA", "CSCA"];

    /// <summary>An auditor's standing in the registry.</summary>
    public static readonly IReadOnlyList<string> Statuses = ["active", "suspended", "withdrawn"];

    /// <summary>Checks every field; <paramref name="id"/> is the path's id on a replace (the body may then leave it out).</summary>
    public bool TryValidate(string? id, out ValidAuditor auditor, out ValidationErrors errors)
    {
        errors = new ValidationErrors();
        var chosenId = id ?? Id ?? "auditor-" + Guid.NewGuid().ToString("N")[..12];
        errors.Require(IdPattern().IsMatch(chosenId), "id", "An auditor id is 1 to 64 lower-case letters, digits and hyphens, starting with a letter or digit.");
        errors.Require(id is null || Id is null || Id == id, "id", "The id in the body differs from the one in the path.");
        var name = errors.RequireText("name", Name, 200, required: true, "The name");
        var firm = errors.RequireText("firm", Firm, 200, required: true, "The firm");
        errors.Require(ApscaNumber is not null && ApscaPattern().IsMatch(ApscaNumber), "apscaNumber", "The APSCA number is 4 to 20 upper-case letters and digits.");
        errors.Require(Level is not null && Levels.Contains(Level), "level", "The level is ASCA, RA or CSCA.");
        var status = Status ?? "active";
        errors.Require(Statuses.Contains(status), "status", "The status is active, suspended or withdrawn.");
        var accreditations = new List<ValidAccreditation>();
        var given = Accreditations ?? [];
        errors.Require(given.Count <= 50, "accreditations", "At most 50 accreditations.");
        for (var i = 0; i < given.Count && i < 50; i++)
        {
            if (ValidateAccreditation(given[i], $"accreditations[{i}]", errors) is { } valid)
            {
                accreditations.Add(valid);
            }
        }
        auditor = errors.IsEmpty ? new ValidAuditor(chosenId, name!, firm!, ApscaNumber!, Level!, status, accreditations) : null!;
        return errors.IsEmpty;
    }

    private static ValidAccreditation? ValidateAccreditation(AccreditationRequest? given, string field, ValidationErrors errors)
    {
        if (given is null)
        {
            errors.Add(field, "An accreditation is an object.");
            return null;
        }
        var before = errors.ToDictionary().Count;
        var scheme = Schemes.Find(given.Scheme);
        errors.Require(scheme is not null, $"{field}.scheme", $"The scheme is one of: {Schemes.Listed}.");
        var countries = given.Countries ?? [];
        errors.Require(countries.Count is >= 1 and <= 250, $"{field}.countries", "Between 1 and 250 ISO 3166-1 alpha-2 countries.");
        for (var c = 0; c < countries.Count && c < 250; c++)
        {
            errors.Require(CountryCodes.IsAssigned(countries[c]), $"{field}.countries[{c}]", "A country is an ISO 3166-1 alpha-2 code in upper case, e.g. GH.");
        }
        var chapters = given.HsChapters ?? [];
        errors.Require(chapters.Count <= 97, $"{field}.hsChapters", "At most 97 HS chapters (none: every sector).");
        for (var c = 0; c < chapters.Count && c < 97; c++)
        {
            errors.Require(HsCodes.IsChapter(chapters[c]), $"{field}.hsChapters[{c}]", ChapterRule);
        }
        errors.Require(given.ValidFrom is { Year: >= 2000 and <= 2100 }, $"{field}.validFrom", "The first valid day is a date from 2000 to 2100.");
        errors.Require(given.ValidTo is { Year: >= 2000 and <= 2100 }, $"{field}.validTo", "The last valid day is a date from 2000 to 2100.");
        errors.Require(given.ValidFrom is null || given.ValidTo is null || given.ValidFrom <= given.ValidTo, $"{field}.validTo", "The last valid day is on or after the first.");
        return errors.ToDictionary().Count == before
            ? new ValidAccreditation(scheme!.Id, countries.Select(c => c!).Distinct().Order().ToList(), chapters.Select(c => c!).Distinct().Order().ToList(), given.ValidFrom!.Value, given.ValidTo!.Value)
            : null;
    }

    /// <summary>What an HS chapter must be, for error messages.</summary>
    public const string ChapterRule = "An HS chapter is two digits from 01 to 97 (not 77), e.g. 18 (cocoa).";

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Z0-9]{4,20}$")]
    private static partial Regex ApscaPattern();
}

/// <summary>An accreditation whose fields passed validation: scheme id, sorted distinct countries and HS chapters.</summary>
public sealed record ValidAccreditation(string Scheme, IReadOnlyList<string> Countries, IReadOnlyList<string> HsChapters, DateOnly ValidFrom, DateOnly ValidTo);

/// <summary>An auditor whose fields passed validation.</summary>
public sealed record ValidAuditor(string Id, string Name, string Firm, string ApscaNumber, string Level, string Status, IReadOnlyList<ValidAccreditation> Accreditations);

/// <summary>An auditor as the API answers it.</summary>
public sealed record AuditorResponse(
    string Id, string Name, string Firm, string ApscaNumber, string Level, string Status, int Revision,
    IReadOnlyList<ValidAccreditation> Accreditations, DateTime RegisteredAt, DateTime UpdatedAt);
