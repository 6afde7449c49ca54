using Traceability.Audits.Features.KeepFacilities;
using Traceability.Contracts.Audits;
using Traceability.Data;
using Traceability.Hosting;

namespace Traceability.Audits.Features.Certificates;

/// <summary>
/// Certificates and their lifecycle: issued valid; suspended, withdrawn or reinstated by a certifier; expired by
/// the clock (<see cref="CertificateExpiry"/>). Every change appends to the certificate's history and publishes
/// <see cref="CertificateStatusChanged"/> with the whole current state, in one transaction.
/// </summary>
public sealed class Certificates(Database database, FacilityDirectory facilities, TimeProvider time)
{
    /// <summary>How a change ended.</summary>
    public enum Outcome { Done, NotFound, NotAllowed, Invalid, Conflict }

    /// <summary>The reason the clock gives when a certificate's validity ends.</summary>
    public const string ExpiryReason = "The certificate's validity ended.";

    /// <summary>Today for the service.</summary>
    public DateOnly Today => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);

    /// <summary>Issues a certificate (a number the scheme has already answers 409 through the unique key).</summary>
    public Task<(Outcome, CertificateResponse?, string?)> IssueAsync(ValidCertificate c, string changedBy, CancellationToken cancellationToken)
    {
        var now = Now();
        var id = Guid.CreateVersion7();
        var eventId = Guid.CreateVersion7();
        return database.InTransactionAsync(async data =>
        {
            // Checked before anything is written: a refused request stores nothing.
            var known = await data.QueryAsync<KnownFacility>(KeepFacilitiesSql.FindByIds, new { c.Gln, c.OshId });
            if (known.Count > 1)
            {
                return (Outcome.Invalid, (CertificateResponse?)null, "holder.oshId: The GLN and the Open Supply Hub id name two different facilities.");
            }
            if (known.Count == 1 && known[0].Country != c.Country)
            {
                return (Outcome.Invalid, null, $"holder.country: The facility with these ids is in {known[0].Country}.");
            }
            var (_, holder) = await facilities.ResolveAsync(data, c.Gln, c.OshId, c.HolderName, c.Country, "certificate", now);
            var entry = new CertificateHistoryEntry(1, "valid", null, null, c.ValidFrom, now, changedBy);
            var certificate = new CertificateResponse(id, c.Scheme.Id, c.Number, new HolderResponse(holder!.Id, holder.Gln, holder.OshId, holder.Name, holder.Country),
                c.ScopeHsCodes, c.ValidFrom, c.ValidTo, "valid", null, 1, now, now, [entry]);
            data.Defer(CertificatesSql.InsertCertificate, new
            {
                Id = id, Scheme = c.Scheme.Id, c.Number, FacilityId = holder.Id, ScopeHsCodes = string.Join(' ', c.ScopeHsCodes), c.ValidFrom, c.ValidTo,
                Status = "valid", Reason = (string?)null, Sequence = 1, IssuedAt = now, UpdatedAt = now,
            });
            Append(data, certificate, entry, eventId);
            return (Outcome.Done, certificate, (string?)null);
        }, cancellationToken);
    }

    /// <summary>Suspends, withdraws or reinstates; asking for the status it has changes nothing. Expired and withdrawn are final.</summary>
    public Task<(Outcome, CertificateResponse?, string?)> ChangeStatusAsync(string scheme, string number, string status, string reason, DateOnly? effectiveFrom,
        string changedBy, CancellationToken cancellationToken)
    {
        var now = Now();
        var eventId = Guid.CreateVersion7();
        return database.InTransactionAsync(async data =>
        {
            var current = await ReadAsync(data, scheme, number);
            if (current is null)
            {
                return (Outcome.NotFound, (CertificateResponse?)null, (string?)null);
            }
            if (current.Status == status)
            {
                return (Outcome.Done, current, null);
            }
            if (current.Status is "withdrawn" or "expired")
            {
                return (Outcome.NotAllowed, current, $"A {current.Status} certificate stays {current.Status}: issue a new one.");
            }
            var effective = effectiveFrom ?? Today;
            if (effective < current.ValidFrom || effective > current.ValidTo)
            {
                return (Outcome.Invalid, current, $"effectiveFrom: The change takes effect within the certificate's validity ({current.ValidFrom:yyyy-MM-dd} to {current.ValidTo:yyyy-MM-dd}).");
            }
            if (!await ChangeAsync(data, current, status, reason, effective, now, changedBy, eventId))
            {
                return (Outcome.Conflict, current, "The certificate was changed at the same time; read it again and retry.");
            }
            return (Outcome.Done, await ReadAsync(data, scheme, number), null);
        }, cancellationToken);
    }

    /// <summary>
    /// Expires every valid or suspended certificate whose last day is before today (by the service's clock), a batch
    /// of <paramref name="batchSize"/> per transaction; returns how many expired.
    /// </summary>
    public async Task<int> ExpireDueAsync(int batchSize, CancellationToken cancellationToken)
    {
        var expired = 0;
        while (true)
        {
            var now = Now();
            var today = Today;
            var count = await database.InTransactionAsync(async data =>
            {
                var due = (await data.QueryAsync<CertificateRow>(CertificatesSql.Expiring, new { Today = today, BatchSize = batchSize })).Select(r => r.ToResponse([])).ToList();
                var changed = 0;
                foreach (var certificate in due)
                {
                    // Expired from the first day after its validity: a shipment on that day is no longer covered.
                    if (await ChangeAsync(data, certificate, "expired", ExpiryReason, certificate.ValidTo.AddDays(1), now, "clock", Guid.CreateVersion7()))
                    {
                        changed++;
                    }
                }
                return (due.Count, changed);
            }, cancellationToken);
            expired += count.changed;
            if (count.Count < batchSize)
            {
                return expired;
            }
        }
    }

    /// <summary>A certificate with its history, or null.</summary>
    public Task<CertificateResponse?> FindAsync(string scheme, string number, CancellationToken cancellationToken) =>
        database.InTransactionAsync(data => ReadAsync(data, scheme, number), cancellationToken);

    /// <summary>The certificates a facility holds (without their history).</summary>
    public async Task<IReadOnlyList<CertificateResponse>> AtFacilityAsync(Guid facilityId, CancellationToken cancellationToken) =>
        (await database.QueryAsync<CertificateRow>(CertificatesSql.AtFacility, new { FacilityId = facilityId }, cancellationToken)).Select(r => r.ToResponse([])).ToList();

    private static async Task<CertificateResponse?> ReadAsync(DataTransaction data, string scheme, string number)
    {
        var row = await data.QuerySingleOrDefaultAsync<CertificateRow>(CertificatesSql.ByNumber, new { Scheme = scheme, Number = number });
        if (row is null)
        {
            return null;
        }
        var history = await data.QueryAsync<HistoryRow>(CertificatesSql.History, new { row.Id });
        return row.ToResponse(history.Select(h => new CertificateHistoryEntry(h.Sequence, h.Status, h.PreviousStatus, h.Reason, h.EffectiveFrom,
            DateTime.SpecifyKind(h.ChangedAt, DateTimeKind.Utc), h.ChangedBy)).ToList());
    }

    private static async Task<bool> ChangeAsync(DataTransaction data, CertificateResponse current, string status, string reason, DateOnly effective, DateTime now,
        string changedBy, Guid eventId)
    {
        var sequence = current.Sequence + 1;
        if (await data.ExecuteAsync(CertificatesSql.ChangeStatus, new { current.Id, Status = status, Reason = reason, Sequence = sequence, UpdatedAt = now }) == 0)
        {
            return false;
        }
        var entry = new CertificateHistoryEntry(sequence, status, current.Status, reason, effective, now, changedBy);
        Append(data, current with { Status = status, Reason = reason, Sequence = sequence, UpdatedAt = now }, entry, eventId);
        return true;
    }

    private static void Append(DataTransaction data, CertificateResponse certificate, CertificateHistoryEntry entry, Guid eventId)
    {
        data.Defer(CertificatesSql.InsertHistory, new
        {
            CertificateId = certificate.Id, entry.Sequence, entry.Status, entry.PreviousStatus, entry.Reason, entry.EffectiveFrom, entry.ChangedAt, entry.ChangedBy,
        });
        data.Publish(new CertificateStatusChanged
        {
            EventId = eventId,
            TenantId = AuditsTenant.Id,
            OccurredAt = entry.ChangedAt,
            CertificateId = certificate.Id,
            Scheme = certificate.Scheme,
            Number = certificate.Number,
            Holder = new AuditedFacility { Gln = certificate.Holder.Gln, OshId = certificate.Holder.OshId, Name = certificate.Holder.Name, Country = certificate.Holder.Country },
            ScopeHsCodes = certificate.ScopeHsCodes,
            Status = entry.Status,
            PreviousStatus = entry.PreviousStatus,
            Reason = entry.Reason,
            ValidFrom = certificate.ValidFrom,
            ValidTo = certificate.ValidTo,
            EffectiveFrom = entry.EffectiveFrom,
            ChangedAt = entry.ChangedAt,
            Sequence = entry.Sequence,
        });
    }

    private DateTime Now()
    {
        var now = time.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - now.Ticks % 10, DateTimeKind.Utc);
    }

    private sealed record CertificateRow
    {
        public Guid Id { get; init; }
        public string Scheme { get; init; } = "";
        public string Number { get; init; } = "";
        public Guid FacilityId { get; init; }
        public string? Gln { get; init; }
        public string? OshId { get; init; }
        public string HolderName { get; init; } = "";
        public string Country { get; init; } = "";
        public string ScopeHsCodes { get; init; } = "";
        public DateOnly ValidFrom { get; init; }
        public DateOnly ValidTo { get; init; }
        public string Status { get; init; } = "";
        public string? Reason { get; init; }
        public int Sequence { get; init; }
        public DateTime IssuedAt { get; init; }
        public DateTime UpdatedAt { get; init; }

        public CertificateResponse ToResponse(IReadOnlyList<CertificateHistoryEntry> history) =>
            new(Id, Scheme, Number, new HolderResponse(FacilityId, Gln, OshId, HolderName, Country), ScopeHsCodes.Split(' ', StringSplitOptions.RemoveEmptyEntries),
                ValidFrom, ValidTo, Status, Reason, Sequence, DateTime.SpecifyKind(IssuedAt, DateTimeKind.Utc), DateTime.SpecifyKind(UpdatedAt, DateTimeKind.Utc), history);
    }

    private sealed record HistoryRow
    {
        public int Sequence { get; init; }
        public string Status { get; init; } = "";
        public string? PreviousStatus { get; init; }
        public string? Reason { get; init; }
        public DateOnly EffectiveFrom { get; init; }
        public DateTime ChangedAt { get; init; }
        public string ChangedBy { get; init; } = "";
    }
}
