using Dapper;

namespace Traceability.IntegrationTests;

/// <summary>
/// What Provenance and Risk hold once a fault test's shipments have settled: every accepted shipment
/// evaluated, and nothing left in the outbox or Risk's queue that could still cause a late, second
/// evaluation. The fault tests assert on this, each with its own story of what was killed.
/// </summary>
internal sealed record SettledShipments(
    IReadOnlyDictionary<Guid, long> Evaluated,
    IReadOnlySet<Guid> Flagged,
    long Stored,
    long Redelivered,
    long Duplicates,
    long MessagesDuplicated)
{
    public const string RiskQueue = "risk-shipment-recorded";

    public static Task<long> EvaluationsAsync(TestDatabase database) =>
        database.ScalarAsync<long>("SELECT count(*) FROM risk.shipment_evaluation");

    /// <summary>Waits (up to <paramref name="timeout"/>) until Risk has evaluated <paramref name="accepted"/> shipments and nothing is in flight, then reads the outcome.</summary>
    public static async Task<SettledShipments> AwaitAsync(TestDatabase database, TestVirtualHost virtualHost, int accepted, TimeSpan timeout)
    {
        await Probe.UntilAsync(async () => await EvaluationsAsync(database) >= accepted, timeout, $"Risk has evaluated all {accepted} accepted shipments");
        await Probe.UntilAsync(async () =>
            await database.ScalarAsync<long>("SELECT count(*) FROM provenance.outbox_message WHERE sent_at IS NULL") == 0
            && await Infrastructure.QueueDepthAsync(virtualHost, RiskQueue) == 0,
            TimeSpan.FromSeconds(60), "the outbox and Risk's queue are empty");

        await using var connection = database.Open();
        var evaluated = (await connection.QueryAsync<(Guid ShipmentId, long Times)>(
            "SELECT shipment_id, count(*) FROM risk.shipment_evaluation GROUP BY shipment_id")).ToDictionary(r => r.ShipmentId, r => r.Times);
        var flagged = (await connection.QueryAsync<string>("SELECT subject_id FROM risk.flag WHERE rule_id = 'dol-goods-list'")).Select(Guid.Parse).ToHashSet();
        var stored = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM provenance.shipment");
        var (redelivered, duplicates, messagesDuplicated) = await connection.QuerySingleAsync<(long, long, long)>(
            "SELECT count(*) FILTER (WHERE redelivered), coalesce(sum(duplicates), 0), count(*) FILTER (WHERE duplicates > 0) FROM risk.inbox_message WHERE consumer = 'risk.evaluate-shipment'");
        return new SettledShipments(evaluated, flagged, stored, redelivered, duplicates, messagesDuplicated);
    }
}
