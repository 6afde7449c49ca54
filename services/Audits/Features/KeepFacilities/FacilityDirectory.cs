using Traceability.Contracts.Audits;
using Traceability.Data;

namespace Traceability.Audits.Features.KeepFacilities;

/// <summary>A facility as Audits keeps it.</summary>
public sealed record KnownFacility(Guid Id, string? Gln, string? OshId, string Name, string Country)
{
    /// <summary>As events name it.</summary>
    public AuditedFacility ToContract() => new() { Gln = Gln, OshId = OshId, Name = Name, Country = Country };
}

/// <summary>
/// One row per site, whoever names it first: an exporter in Provenance (FacilityRegistered), an audit or a
/// certificate. A site is found by its GLN or its Open Supply Hub id; an id it did not have yet is added.
/// </summary>
public sealed class FacilityDirectory(Database database)
{
    private readonly string _insert = KeepFacilitiesSql.Insert;

    /// <summary>How a lookup ended.</summary>
    public enum Outcome { Found, Created, IdsNameTwoFacilities }

    /// <summary>
    /// The facility with the given GLN or Open Supply Hub id, created when there is none. The two ids naming
    /// two different known facilities is the caller's to refuse.
    /// </summary>
    public async Task<(Outcome Outcome, KnownFacility? Facility)> ResolveAsync(DataTransaction data, string? gln, string? oshId, string name, string country,
        string namedBy, DateTime now)
    {
        var found = await data.QueryAsync<KnownFacility>(KeepFacilitiesSql.FindByIds, new { Gln = gln, OshId = oshId });
        if (found.Count > 1)
        {
            return (Outcome.IdsNameTwoFacilities, null);
        }
        if (found.Count == 1)
        {
            var known = found[0];
            if ((known.Gln is null && gln is not null) || (known.OshId is null && oshId is not null))
            {
                known = known with { Gln = known.Gln ?? gln, OshId = known.OshId ?? oshId };
                data.Defer(KeepFacilitiesSql.AddIds, new { known.Id, known.Gln, known.OshId, UpdatedAt = now });
            }
            return (Outcome.Found, known);
        }
        var created = new KnownFacility(Guid.CreateVersion7(), gln, oshId, name, country);
        data.Defer(_insert, new { created.Id, created.Gln, created.OshId, created.Name, created.Country, FirstNamedBy = namedBy, UpdatedAt = now });
        return (Outcome.Created, created);
    }

    /// <summary>A facility by its id in Audits.</summary>
    public Task<KnownFacility?> FindAsync(Guid id, CancellationToken cancellationToken) =>
        database.QuerySingleOrDefaultAsync<KnownFacility>(KeepFacilitiesSql.FindById, new { Id = id }, cancellationToken);
}
