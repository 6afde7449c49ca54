namespace Traceability.Risk.Features.EvaluateShipment;

internal static class EvaluateShipmentSql
{
    public const string InsertEvaluation = """
        INSERT INTO risk.shipment_evaluation (shipment_id, tenant_id, message_id, evaluated_at, findings)
        VALUES (@ShipmentId, @TenantId, @MessageId, @EvaluatedAt, @Findings)
        """;
}
