using Traceability.Contracts.Provenance;
using Traceability.Data;
using Traceability.Provenance.Chain;
using Traceability.Provenance.Exporters;
using Traceability.Hosting.Idempotency;

namespace Traceability.Provenance.Features.RegisterFacility;

/// <summary>An exporter's facilities: registered and updated with their chain link and event in one transaction.</summary>
internal sealed class Facilities(Database database, HashChain chain, TimeProvider time)
{
    private readonly string _facilitiesByIds = RegisterFacilitySql.FacilitiesByIds(database.Dialect);
    private readonly string _revisionsOfFacilities = RegisterFacilitySql.RevisionsOfFacilities(database.Dialect);

    public const string RecordType = "facility";

    // A GLN or Open Supply Hub id another of the exporter's facilities has fails the insert or update on
    // its unique index (uq_facility_exporter_gln / _osh), first or in a race alike: UniqueKeyConflicts
    // answers 409 naming the field, and nothing of the request stays.
    public enum Outcome { Done, NotFound, Conflict }

    public async Task<(Outcome, FacilityResponse?)> RegisterAsync(HttpContext http, Exporter exporter, ValidFacility facility, CancellationToken cancellationToken)
    {
        var now = Canonical.Microseconds(time.GetUtcNow().UtcDateTime);
        var response = Response(Guid.CreateVersion7(), 1, facility, now, now);
        var eventId = Guid.CreateVersion7();
        return await database.InTransactionAsync(async data =>
        {
            await data.ExecuteAsync(RegisterFacilitySql.InsertFacility, Row(exporter, response));
            await chain.AppendAsync(data, exporter.Id, RecordType, ChainId(response), Canonical.Json(response));
            await data.PublishAsync(Event(eventId, exporter, response));
            IdempotentRequest.Save(data, http, StatusCodes.Status201Created, response, $"/api/v1/facilities/{response.Id}");
            return (Outcome.Done, (FacilityResponse?)response);
        }, cancellationToken);
    }

    public async Task<(Outcome, FacilityResponse?)> UpdateAsync(Exporter exporter, Guid id, ValidFacility facility, CancellationToken cancellationToken)
    {
        var now = Canonical.Microseconds(time.GetUtcNow().UtcDateTime);
        var eventId = Guid.CreateVersion7();
        return await database.InTransactionAsync(async data =>
        {
            var current = await data.QuerySingleOrDefaultAsync<FacilityResponse>(RegisterFacilitySql.FacilityOfExporter, new { Id = id, ExporterId = exporter.Id });
            if (current is null)
            {
                return (Outcome.NotFound, null);
            }
            current = Normalised(current);
            if (Response(id, current.Revision, facility, current.RegisteredAt, current.UpdatedAt) == current)
            {
                // Nothing changed: PUT stays idempotent, no new revision, link or event.
                return (Outcome.Done, (FacilityResponse?)current);
            }
            var updated = Response(id, current.Revision + 1, facility, current.RegisteredAt, now);
            // The conditional update goes first: a concurrent update that got there before leaves it 0 rows,
            // and nothing of this one is written.
            if (await data.ExecuteAsync(RegisterFacilitySql.UpdateFacility, Row(exporter, updated)) == 0)
            {
                return (Outcome.Conflict, null);
            }
            // The version the earlier link hashed is kept, so the chain still verifies after the update.
            await data.ExecuteAsync(RegisterFacilitySql.InsertRevision, new { FacilityId = id, current.Revision, Canonical = Canonical.Json(current) });
            await chain.AppendAsync(data, exporter.Id, RecordType, ChainId(updated), Canonical.Json(updated));
            await data.PublishAsync(Event(eventId, exporter, updated));
            return (Outcome.Done, (FacilityResponse?)updated);
        }, cancellationToken);
    }

    public async Task<FacilityResponse?> FindAsync(string exporterId, Guid id, CancellationToken cancellationToken) =>
        await database.QuerySingleOrDefaultAsync<FacilityResponse>(RegisterFacilitySql.FacilityOfExporter, new { Id = id, ExporterId = exporterId }, cancellationToken)
            is { } row ? Normalised(row) : null;

    /// <summary>
    /// Facility revisions as their chain links hashed them, by chain record id (<c>id@revision</c>): the live row
    /// for the latest revision, the kept copy for earlier ones. Hash-chain verification reads a page at once.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> CanonicalAsync(string exporterId, IReadOnlyList<string> chainIds, CancellationToken cancellationToken)
    {
        var wanted = new List<(string ChainId, Guid Id, int Revision)>();
        foreach (var chainId in chainIds)
        {
            var parts = chainId.Split('@');
            if (parts.Length == 2 && Guid.TryParse(parts[0], out var id) && int.TryParse(parts[1], out var revision))
            {
                wanted.Add((chainId, id, revision));
            }
        }
        var current = (await database.QueryAsync<FacilityResponse>(_facilitiesByIds,
            new { ExporterId = exporterId, Ids = wanted.Select(w => w.Id).Distinct().ToArray() }, cancellationToken)).ToDictionary(f => f.Id);
        var earlier = wanted.Where(w => !(current.TryGetValue(w.Id, out var f) && f.Revision == w.Revision)).Select(w => w.Id).Distinct().ToArray();
        var kept = earlier.Length == 0 ? [] : (await database.QueryAsync<RevisionRow>(_revisionsOfFacilities,
            new { ExporterId = exporterId, Ids = earlier }, cancellationToken)).ToDictionary(r => (r.FacilityId, r.Revision), r => r.Canonical);
        var records = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (chainId, id, revision) in wanted)
        {
            if (current.TryGetValue(id, out var facility) && facility.Revision == revision)
            {
                records[chainId] = Canonical.Json(Normalised(facility));
            }
            else if (kept.TryGetValue((id, revision), out var canonical))
            {
                records[chainId] = canonical;
            }
        }
        return records;
    }

    private sealed record RevisionRow(Guid FacilityId, int Revision, string Canonical);

    private static string ChainId(FacilityResponse facility) => $"{facility.Id}@{facility.Revision}";

    private static FacilityResponse Response(Guid id, int revision, ValidFacility f, DateTime registeredAt, DateTime updatedAt) =>
        new(id, revision, f.Gln, f.OshId, f.Name, f.Country, f.Region, f.Latitude is { } lat ? Canonical.Normalise(lat) : null,
            f.Longitude is { } lon ? Canonical.Normalise(lon) : null, f.Type, registeredAt, updatedAt);

    internal static FacilityResponse Normalised(FacilityResponse row) => row with
    {
        Latitude = row.Latitude is { } lat ? Canonical.Normalise(lat) : null,
        Longitude = row.Longitude is { } lon ? Canonical.Normalise(lon) : null,
        RegisteredAt = DateTime.SpecifyKind(row.RegisteredAt, DateTimeKind.Utc),
        UpdatedAt = DateTime.SpecifyKind(row.UpdatedAt, DateTimeKind.Utc),
    };

    private static object Row(Exporter exporter, FacilityResponse f) => new
    {
        f.Id, ExporterId = exporter.Id, f.Gln, f.OshId, f.Name, f.Country, f.Region, f.Latitude, f.Longitude, f.Type, f.Revision, f.RegisteredAt, f.UpdatedAt,
    };

    private static FacilityRegistered Event(Guid eventId, Exporter exporter, FacilityResponse f) => new()
    {
        EventId = eventId,
        TenantId = exporter.Id,
        OccurredAt = f.UpdatedAt,
        FacilityId = f.Id,
        Revision = f.Revision,
        Gln = f.Gln,
        OshId = f.OshId,
        Name = f.Name,
        Country = f.Country,
        Region = f.Region,
        Latitude = f.Latitude,
        Longitude = f.Longitude,
        FacilityType = f.Type,
    };
}
