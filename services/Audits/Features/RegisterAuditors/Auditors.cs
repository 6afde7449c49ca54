using Traceability.Contracts.Audits;
using Traceability.Data;

namespace Traceability.Audits.Features.RegisterAuditors;

/// <summary>
/// The auditor registry: each registration or change writes the auditor, their accreditations and an
/// <see cref="AuditorAccreditationChanged"/> (the whole current state) in one transaction.
/// </summary>
public sealed class Auditors(Database database, TimeProvider time)
{
    /// <summary>How a change ended.</summary>
    public enum Outcome { Done, NotFound, Conflict }

    /// <summary>Registers a new auditor (a taken id or APSCA number answers 409 through the unique keys).</summary>
    public async Task<AuditorResponse> RegisterAsync(ValidAuditor auditor, CancellationToken cancellationToken)
    {
        var now = Now();
        var response = Response(auditor, 1, now, now);
        var eventId = Guid.CreateVersion7();
        await database.InTransactionAsync(async data =>
        {
            await data.ExecuteAsync(AuditorsSql.InsertAuditor, Row(response));
            WriteAccreditations(data, response);
            await data.PublishAsync(Event(eventId, response));
        }, cancellationToken);
        return response;
    }

    /// <summary>Replaces an auditor's details, status and accreditations; nothing changed keeps the revision.</summary>
    public async Task<(Outcome, AuditorResponse?)> ReplaceAsync(ValidAuditor auditor, CancellationToken cancellationToken)
    {
        var now = Now();
        var eventId = Guid.CreateVersion7();
        return await database.InTransactionAsync(async data =>
        {
            var current = await ReadAsync(data, auditor.Id);
            if (current is null)
            {
                return (Outcome.NotFound, (AuditorResponse?)null);
            }
            if (Same(Response(auditor, current.Revision, current.RegisteredAt, current.UpdatedAt), current))
            {
                return (Outcome.Done, current);
            }
            var updated = Response(auditor, current.Revision + 1, current.RegisteredAt, now);
            if (await data.ExecuteAsync(AuditorsSql.UpdateAuditor, Row(updated)) == 0)
            {
                return (Outcome.Conflict, null);
            }
            data.Defer(AuditorsSql.DeleteAccreditations, new { updated.Id });
            WriteAccreditations(data, updated);
            await data.PublishAsync(Event(eventId, updated));
            return (Outcome.Done, updated);
        }, cancellationToken);
    }

    /// <summary>An auditor with their accreditations, or null.</summary>
    public Task<AuditorResponse?> FindAsync(string id, CancellationToken cancellationToken) =>
        database.InTransactionAsync(data => ReadAsync(data, id), cancellationToken);

    /// <summary>As <see cref="FindAsync"/>, inside a transaction.</summary>
    public static async Task<AuditorResponse?> ReadAsync(DataTransaction data, string id)
    {
        var row = await data.QuerySingleOrDefaultAsync<AuditorRow>(AuditorsSql.Auditor, new { Id = id });
        if (row is null)
        {
            return null;
        }
        var accreditations = await data.QueryAsync<AccreditationRow>(AuditorsSql.Accreditations, new { Id = id });
        return row.ToResponse(accreditations.Select(a => a.ToValid()).ToList());
    }

    /// <summary>One page of the registry.</summary>
    public async Task<(IReadOnlyList<AuditorResponse> Items, long Total)> PageAsync(string? status, int page, int pageSize, CancellationToken cancellationToken)
    {
        var filter = new { Status = status, Offset = (page - 1) * pageSize, PageSize = pageSize };
        var rows = await database.QueryAsync<AuditorRow>(AuditorsSql.Page, filter, cancellationToken);
        var total = (await database.QueryAsync<long>(AuditorsSql.Count, filter, cancellationToken))[0];
        var items = new List<AuditorResponse>();
        foreach (var row in rows)
        {
            var accreditations = await database.QueryAsync<AccreditationRow>(AuditorsSql.Accreditations, new { row.Id }, cancellationToken);
            items.Add(row.ToResponse(accreditations.Select(a => a.ToValid()).ToList()));
        }
        return (items, total);
    }

    private DateTime Now()
    {
        var now = time.GetUtcNow().UtcDateTime;
        // Microseconds: what both engines store, so an answer equals what is read back later.
        return new DateTime(now.Ticks - now.Ticks % 10, DateTimeKind.Utc);
    }

    private static bool Same(AuditorResponse a, AuditorResponse b) =>
        a with { Accreditations = [] } == b with { Accreditations = [] }
        && a.Accreditations.Count == b.Accreditations.Count
        && a.Accreditations.Zip(b.Accreditations).All(p => p.First.Scheme == p.Second.Scheme && p.First.ValidFrom == p.Second.ValidFrom
            && p.First.ValidTo == p.Second.ValidTo && p.First.Countries.SequenceEqual(p.Second.Countries) && p.First.HsChapters.SequenceEqual(p.Second.HsChapters));

    private static AuditorResponse Response(ValidAuditor a, int revision, DateTime registeredAt, DateTime updatedAt) =>
        new(a.Id, a.Name, a.Firm, a.ApscaNumber, a.Level, a.Status, revision, a.Accreditations, registeredAt, updatedAt);

    private static object Row(AuditorResponse a) => new { a.Id, a.Name, a.Firm, a.ApscaNumber, a.Level, a.Status, a.Revision, a.RegisteredAt, a.UpdatedAt };

    private static void WriteAccreditations(DataTransaction data, AuditorResponse auditor)
    {
        for (var i = 0; i < auditor.Accreditations.Count; i++)
        {
            var a = auditor.Accreditations[i];
            data.Defer(AuditorsSql.InsertAccreditation, new
            {
                AuditorId = auditor.Id, Position = i, a.Scheme, Countries = string.Join(' ', a.Countries), HsChapters = string.Join(' ', a.HsChapters), a.ValidFrom, a.ValidTo,
            });
        }
    }

    private static AuditorAccreditationChanged Event(Guid eventId, AuditorResponse a) => new()
    {
        EventId = eventId,
        TenantId = AuditsTenant.Id,
        OccurredAt = a.UpdatedAt,
        AuditorId = a.Id,
        Revision = a.Revision,
        Name = a.Name,
        Level = a.Level,
        Status = a.Status,
        Accreditations = a.Accreditations.Select(x => new Accreditation
        {
            Scheme = x.Scheme, Countries = x.Countries, HsChapters = x.HsChapters, ValidFrom = x.ValidFrom, ValidTo = x.ValidTo,
        }).ToList(),
    };

    private sealed record AuditorRow(string Id, string Name, string Firm, string ApscaNumber, string Level, string Status, int Revision, DateTime RegisteredAt, DateTime UpdatedAt)
    {
        public AuditorResponse ToResponse(IReadOnlyList<ValidAccreditation> accreditations) =>
            new(Id, Name, Firm, ApscaNumber, Level, Status, Revision, accreditations,
                DateTime.SpecifyKind(RegisteredAt, DateTimeKind.Utc), DateTime.SpecifyKind(UpdatedAt, DateTimeKind.Utc));
    }

    // Properties, not a constructor: Dapper's type handlers (DateOnly) apply to properties.
    private sealed record AccreditationRow
    {
        public string Scheme { get; init; } = "";
        public string Countries { get; init; } = "";
        public string HsChapters { get; init; } = "";
        public DateOnly ValidFrom { get; init; }
        public DateOnly ValidTo { get; init; }

        public ValidAccreditation ToValid() => new(Scheme, Split(Countries), Split(HsChapters), ValidFrom, ValidTo);

        private static List<string> Split(string codes) => codes.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
    }
}
