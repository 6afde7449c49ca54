using Traceability.Data;
using Traceability.Risk.Flags;
using Traceability.Risk.Rules;

namespace Traceability.Risk.Features.EvaluateFacility;

/// <summary>
/// Judges <see cref="MassBalanceRule"/> for one site inside the caller's transaction: a new shipment judges its own period
/// (when its origin has an audited capacity); an audit stating a capacity, and a facility Risk hears of after its
/// shipments, judge every period, and the site's open flag then holds exactly the periods over the latest capacity (a flag
/// with none left is withdrawn: <see cref="FlagBook.Judge"/>). Each reads the latest capacity and the shipments as they
/// stand, so the same facts give the same periods over capacity in any order.
/// </summary>
public sealed class MassBalanceEvaluator(Database database, FlagBook flags, MassBalanceRule rule)
{
    private readonly string _capacity = MassBalanceSql.LatestCapacity(database.Dialect);
    private readonly string _shipped = MassBalanceSql.ShippedFrom(database.Dialect);

    /// <summary>The site's latest audited capacity, or null (also when the rule is off: nothing to read then).</summary>
    public async Task<AuditedCapacity?> CapacityAsync(DataTransaction data, FacilityIdentity site) =>
        !rule.Enabled || (site.Glns.Count == 0 && site.OshIds.Count == 0) ? null
        : (await data.QueryAsync<AuditedCapacity>(_capacity, new { Glns = site.Glns.ToArray(), OshIds = site.OshIds.ToArray() })).FirstOrDefault();

    /// <summary>
    /// Judges the period holding <paramref name="day"/> (a shipment's, <paramref name="because"/> naming it), or every period when
    /// it is null, and raises or appends the flag.
    /// </summary>
    public async Task EvaluateAsync(DataTransaction data, FacilityIdentity site, AuditedCapacity capacity, DateOnly? day = null, string? because = null)
    {
        if (site.Ids.Count == 0)
        {
            return;
        }
        var (from, to) = day is { } d ? MassBalanceRule.PeriodOf(d, capacity.Period) : (DateOnly.MinValue, DateOnly.MaxValue);
        var shipped = await data.QueryAsync<ShippedQuantity>(_shipped, new { Ids = site.Ids.ToArray(), From = from, To = to });
        var signal = rule.Evaluate(site.Facts, capacity, shipped);
        if (day is null)
        {
            // Every period judged against the latest capacity: a period no longer over it (a newer audit stating more) stops
            // counting, an older audit's capacity too, and a flag none of whose periods is over any more is withdrawn.
            flags.Judge(data, new FlagJudgement(MassBalanceRule.Id, FlagSubject.Facility(site.Facts.Key), signal, $"audit:{capacity.AuditId}"));
        }
        else if (signal is not null)
        {
            // The period's whole total, as it stands: over capacity again after a higher capacity cleared it, it counts again
            // now (a flag kept open by other periods, or by a person working it, would otherwise show it cleared until the
            // next whole judgement).
            flags.RaiseOrRestore(data, signal, because ?? "a shipment in the period");
        }
    }
}

internal static class MassBalanceSql
{
    public static string LatestCapacity(SqlDialect dialect) => $"""
        SELECT audit_id AS AuditId, scheme AS Scheme, end_date AS EndDate, capacity_quantity AS Quantity, capacity_unit AS Unit, capacity_period AS Period
        FROM risk.facility_audit
        WHERE ({dialect.IsAnyOf("gln", "Glns")} OR {dialect.IsAnyOf("osh_id", "OshIds")}) AND capacity_quantity IS NOT NULL
        ORDER BY end_date DESC, audit_id DESC
        OFFSET 0 ROWS FETCH NEXT 1 ROWS ONLY
        """;

    // Shipments whose origin is one of the site's registrations (by any exporter), in [From, To).
    public static string ShippedFrom(SqlDialect dialect) => $"""
        SELECT shipment_id AS ShipmentId, ship_date AS ShipDate, quantity AS Quantity, unit AS Unit
        FROM risk.shipment_facility
        WHERE {dialect.IsAnyOf("facility_id", "Ids")} AND role = 'origin' AND quantity IS NOT NULL AND ship_date >= @From AND ship_date < @To
        """;
}
