using Traceability.Data;
using Traceability.Risk.Rules;

namespace Traceability.Risk.Features.EvaluateFacility;

/// <summary>
/// The locks by which two transactions about one facility see each other. Risk consumes several kinds of message at once
/// (several consumers per process, several processes), and a rule often joins facts that different messages bring: a
/// shipment reads its origin's audits and capacity, an audit reads the shipments it covers; a shipment reads its facilities,
/// a facility the shipments naming it; a grievance and an audit each read the other's ILO indicators. Under READ COMMITTED two
/// such transactions consumed at the same moment can each read before the other commits and both commit blind: the flag that
/// either order would raise (or withdraw) is then never raised. So every consumer that reads or writes facts about a facility
/// first takes a transaction lock on each key it knows the facility by: the second of two such transactions waits for the
/// first to commit, and then reads what it wrote.
/// </summary>
/// <remarks>
/// <para>
/// Why locks, and not the alternatives. SERIALIZABLE with retries would find these pairs without naming keys, but PostgreSQL's
/// predicate locks cover index pages, so unrelated messages conflict too and each failure rolls back a whole shared transaction
/// (every unit in it), and SQL Server's SERIALIZABLE is key-range locking, which blocks and deadlocks in other places than
/// PostgreSQL's: one behaviour for both dialects could not be had. A re-judgement after commit (each message judged again by
/// a second transaction once the first is visible) costs every message a second transaction, and the shipment path a message
/// or a round trip per shipment. A lock statement per key goes in a round trip the consumer makes anyway, costs nothing to a
/// shipment naming no facility, and makes only transactions about the same facility wait, which must run one after the other.
/// </para>
/// <para>
/// Keys. A facility is known by its Provenance id (per exporter's registration: shipments and grievances name it so), its GLN
/// and its Open Supply Hub id (audits name it so; several registrations share them). A consumer takes, from its message, every
/// key it names (<see cref="Named"/>); and once it has read a facility's row, the GLN and Open Supply Hub id it learnt there
/// (<see cref="Learnt"/>), before reading anything filed under them. Two transactions about one facility then always share a
/// key: a shipment and an audit the GLN (the shipment learns it from the facility's row; a facility Risk does not know yet has
/// no audits a shipment could read, and its registration takes both keys); a shipment and the facility's registration the
/// Provenance id; two grievances naming two registrations of one site its GLN.
/// </para>
/// <para>
/// Order. The keys a message names are taken before anything else, in the ordinal order of their names, together with those
/// of every message sharing the transaction (<see cref="TransactionLock"/>): <c>risk.facility:</c> (Provenance ids) sort before
/// <c>risk.site:</c> (GLN, Open Supply Hub id), and keys learnt from a read are site keys taken after, so transactions wait on
/// each other in one direction. Two transactions that each learn a site key the other named can still deadlock; the database
/// finds it, and the loser is retried as any transient failure (the dialects' <c>IsTransient</c>).
/// </para>
/// </remarks>
public static class FacilityLocks
{
    /// <summary>The locks of the keys a message names a facility by (blank ones left out).</summary>
    public static IReadOnlyList<TransactionLock> Named(SqlDialect dialect, IEnumerable<Guid> provenanceIds, IEnumerable<string?>? glns = null, IEnumerable<string?>? oshIds = null) =>
        [
            .. provenanceIds.Where(id => id != Guid.Empty).Select(id => TransactionLock.Named(dialect, $"risk.facility:{id}")),
            .. Sites(dialect, glns ?? [], oshIds ?? []),
        ];

    /// <summary>Takes the site keys learnt from facilities' rows that this transaction does not hold yet; returns whether it took any.</summary>
    public static bool Learnt(DataTransaction data, IEnumerable<FacilityFacts> facilities)
    {
        var read = facilities.ToList();
        return Learnt(data, read.Select(f => f.Gln), read.Select(f => f.OshId));
    }

    /// <summary>Takes the site keys of these GLNs and Open Supply Hub ids that this transaction does not hold yet; returns whether it took any.</summary>
    public static bool Learnt(DataTransaction data, IEnumerable<string?> glns, IEnumerable<string?> oshIds)
    {
        var locks = Sites(data.Dialect, glns, oshIds).Where(l => !data.Holds(l.Key)).ToList();
        data.Lock(locks);
        return locks.Count > 0;
    }

    // As FacilityKey normalises them: a GLN trimmed, an Open Supply Hub id trimmed and in upper case.
    private static IEnumerable<TransactionLock> Sites(SqlDialect dialect, IEnumerable<string?> glns, IEnumerable<string?> oshIds) =>
        glns.Where(g => !string.IsNullOrWhiteSpace(g)).Select(g => TransactionLock.Named(dialect, $"risk.site:gln:{g!.Trim()}"))
            .Concat(oshIds.Where(o => !string.IsNullOrWhiteSpace(o)).Select(o => TransactionLock.Named(dialect, $"risk.site:osh:{o!.Trim().ToUpperInvariant()}")));
}
