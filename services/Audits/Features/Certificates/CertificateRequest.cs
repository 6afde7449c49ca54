using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Traceability.Audits.Standards;
using Traceability.Hosting;

namespace Traceability.Audits.Features.Certificates;

/// <summary>The facility holding a certificate.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record HolderRequest(string? Gln, string? OshId, string? Name, string? Country);

/// <summary>A certificate as a certifier issues it.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed partial record CertificateRequest(string? Scheme, string? Number, HolderRequest? Holder, IReadOnlyList<string?>? ScopeHsCodes, DateOnly? ValidFrom, DateOnly? ValidTo)
{
    /// <summary>Checks every field; a certificate whose validity has ended by <paramref name="today"/> is not issued.</summary>
    public bool TryValidate(DateOnly today, out ValidCertificate certificate, out ValidationErrors errors)
    {
        errors = new ValidationErrors();
        var scheme = Schemes.Find(Scheme);
        if (scheme is null)
        {
            errors.Add("scheme", $"The scheme is one of: {Schemes.Listed}.");
        }
        else
        {
            errors.Require(scheme.Certifies, "scheme", $"{scheme.Name} audits facilities but issues no certificates.");
        }
        var number = Number?.Trim();
        errors.Require(number is not null && NumberPattern().IsMatch(number), "number",
            "The certificate number is 1 to 100 letters, digits, spaces, dots, hyphens and underscores, starting with a letter or digit.");
        string? name = null;
        if (Holder is null)
        {
            errors.Add("holder", "The holder facility is required: gln and/or oshId, name and country.");
        }
        else
        {
            FacilityIds.Require(errors, Holder.Gln, Holder.OshId, "holder");
            name = errors.RequireText("holder.name", Holder.Name, 200, required: true, "The holder's name");
            errors.Require(CountryCodes.IsAssigned(Holder.Country), "holder.country", "The country is an ISO 3166-1 alpha-2 code in upper case, e.g. GH.");
        }
        var scope = ScopeHsCodes ?? [];
        errors.Require(scope.Count is >= 1 and <= 50, "scopeHsCodes", "Between 1 and 50 HS codes (2, 4 or 6 to 10 digits) the certificate covers.");
        var codes = new List<string>();
        for (var i = 0; i < scope.Count && i < 50; i++)
        {
            var code = HsCodes.Normalise(scope[i]);
            if (errors.Require(code is not null && (HsCodes.IsChapter(code) || (code.Length == 4 && HsCodes.IsChapter(code[..2]) && code.All(char.IsAsciiDigit)) || HsCodes.IsValid(code)),
                $"scopeHsCodes[{i}]", "An HS chapter (2 digits), heading (4) or code (6 to 10 digits, dots allowed), e.g. 1801.00."))
            {
                codes.Add(code!);
            }
        }
        errors.Require(ValidFrom is { Year: >= 2000 and <= 2100 }, "validFrom", "The first valid day is a date from 2000 to 2100.");
        errors.Require(ValidTo is { Year: >= 2000 and <= 2100 }, "validTo", "The last valid day is a date from 2000 to 2100.");
        if (ValidFrom is { } from && ValidTo is { } to)
        {
            errors.Require(from <= to, "validTo", "The last valid day is on or after the first (the dates are out of order).");
            errors.Require(to.DayNumber - from.DayNumber <= 5 * 366, "validTo", "A certificate is valid for at most five years.");
            errors.Require(to >= today, "validTo", "This certificate's validity has ended: issue only certificates still valid.");
        }
        certificate = errors.IsEmpty
            ? new ValidCertificate(scheme!, number!, Holder!.Gln, Holder.OshId, name!, Holder.Country!, codes.Distinct().Order().ToList(), ValidFrom!.Value, ValidTo!.Value)
            : null!;
        return errors.IsEmpty;
    }

    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,98}[A-Za-z0-9._-])?$")]
    internal static partial Regex NumberPattern();
}

/// <summary>A certificate that passed validation.</summary>
public sealed record ValidCertificate(Scheme Scheme, string Number, string? Gln, string? OshId, string HolderName, string Country, IReadOnlyList<string> ScopeHsCodes,
    DateOnly ValidFrom, DateOnly ValidTo);

/// <summary>A status change as a certifier asks for it: suspend, withdraw, or reinstate (valid).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record StatusChangeRequest(string? Status, string? Reason, DateOnly? EffectiveFrom)
{
    /// <summary>What a certifier may set; expiry comes by the clock only.</summary>
    public static readonly IReadOnlyList<string> Settable = ["suspended", "withdrawn", "valid"];
}

/// <summary>The holder as the API answers it.</summary>
public sealed record HolderResponse(Guid Id, string? Gln, string? OshId, string Name, string Country);

/// <summary>One entry of a certificate's history.</summary>
public sealed record CertificateHistoryEntry(int Sequence, string Status, string? PreviousStatus, string? Reason, DateOnly EffectiveFrom, DateTime ChangedAt, string ChangedBy);

/// <summary>A certificate as certifiers read it: everything, with its whole history.</summary>
public sealed record CertificateResponse(Guid Id, string Scheme, string Number, HolderResponse Holder, IReadOnlyList<string> ScopeHsCodes, DateOnly ValidFrom,
    DateOnly ValidTo, string Status, string? Reason, int Sequence, DateTime IssuedAt, DateTime UpdatedAt, IReadOnlyList<CertificateHistoryEntry> History);

/// <summary>What anyone may know of a certificate, as schemes' public certificate databases answer: its status and validity.</summary>
public sealed record CertificateVerification(string Scheme, string Number, string Status, DateOnly ValidFrom, DateOnly ValidTo);
