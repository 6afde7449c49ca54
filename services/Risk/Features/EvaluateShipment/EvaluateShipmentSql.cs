using Traceability.Data;

namespace Traceability.Risk.Features.EvaluateShipment;

internal static class EvaluateShipmentSql
{
    public const string InsertEvaluation = """
        INSERT INTO risk.shipment_evaluation (shipment_id, tenant_id, message_id, evaluated_at, findings)
        VALUES (@ShipmentId, @TenantId, @MessageId, @EvaluatedAt, @Findings)
        """;

    public static string InsertFlagIfAbsent(SqlDialect dialect) => dialect.InsertIfAbsent(
        "risk.flag",
        ["id", "rule_id", "rule_version", "severity", "subject_type", "subject_id", "tenant_id", "scope_country", "explanation", "evidence", "status", "raised_at"],
        ["rule_id", "subject_type", "subject_id"]);
}
