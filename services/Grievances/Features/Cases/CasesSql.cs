namespace Traceability.Grievances.Features.Cases;

internal static class CasesSql
{
    private const string Columns = """
        id AS Id, reference AS Reference, tenant_id AS TenantId, language AS Language, facility_ids AS FacilityIds, facility_name AS FacilityName,
        country AS Country, category AS Category, ilo_indicators AS IloIndicators, contact_allowed AS ContactAllowed, status AS Status,
        outcome AS Outcome, filed_at AS FiledAt, acknowledge_by AS AcknowledgeBy, feedback_by AS FeedbackBy, acknowledged_at AS AcknowledgedAt,
        closed_at AS ClosedAt, pseudonym AS Pseudonym, description_cipher AS DescriptionCipher
        """;

    public const string List = $"""
        SELECT {Columns} FROM grievances.grievance_case
        WHERE (@Status IS NULL OR status = @Status) AND (@Category IS NULL OR category = @Category)
          AND (@FacilityId IS NULL OR facility_ids LIKE @FacilityId)
          AND (@Overdue = 0 OR (status = 'filed' AND acknowledge_by < @Now) OR (status <> 'closed' AND feedback_by < @Now))
        ORDER BY filed_at, id
        OFFSET @Offset ROWS FETCH NEXT @PageSize ROWS ONLY
        """;

    public const string Count = """
        SELECT COUNT(*) FROM grievances.grievance_case
        WHERE (@Status IS NULL OR status = @Status) AND (@Category IS NULL OR category = @Category)
          AND (@FacilityId IS NULL OR facility_ids LIKE @FacilityId)
          AND (@Overdue = 0 OR (status = 'filed' AND acknowledge_by < @Now) OR (status <> 'closed' AND feedback_by < @Now))
        """;

    public const string One = $"SELECT {Columns} FROM grievances.grievance_case WHERE id = @Id";

    public const string History = """
        SELECT at AS At, actor AS Actor, action AS Action, detail AS Detail FROM grievances.case_history WHERE case_id = @Id ORDER BY at, id
        """;

    // Every reply to the case's worker (their conversation's too): an unknown one was maybe never received.
    public const string Replies = """
        SELECT id AS Id, created_at AS At, status AS Status, segments AS Segments, error AS Error, case_id AS CaseId
        FROM grievances.outbound_message WHERE pseudonym = @Pseudonym ORDER BY created_at, id
        """;

    public const string Acknowledge = """
        UPDATE grievances.grievance_case SET status = 'acknowledged', acknowledged_at = @Now WHERE id = @Id AND status = 'filed'
        """;

    public const string SetStatus = """
        UPDATE grievances.grievance_case SET status = @Status WHERE id = @Id AND status = @Previous
        """;

    public const string Close = """
        UPDATE grievances.grievance_case SET status = 'closed', outcome = @Outcome, closed_at = @Now,
          acknowledged_at = COALESCE(acknowledged_at, @Now) WHERE id = @Id AND status <> 'closed'
        """;

    public const string Sender = """
        SELECT pseudonym AS Pseudonym, phone_cipher AS PhoneCipher, gateway AS Gateway, gateway_number AS GatewayNumber, opted_out AS OptedOut
        FROM grievances.sender WHERE pseudonym = @Pseudonym
        """;

    public const string InsertHistory = """
        INSERT INTO grievances.case_history (id, case_id, at, actor, action, detail) VALUES (@Id, @CaseId, @At, @Actor, @Action, @Detail)
        """;

    public const string CountsByFacility = """
        SELECT facility_ids AS FacilityIds, category AS Category, COUNT(*) AS Cases FROM grievances.grievance_case
        WHERE filed_at >= @Since GROUP BY facility_ids, category
        """;

    public const string AwaitingWorker = """
        SELECT id AS Id, reference AS Reference, tenant_id AS TenantId, facility_ids AS FacilityIds, category AS Category
        FROM grievances.grievance_case WHERE pseudonym = @Pseudonym AND status = 'awaiting-worker'
        ORDER BY filed_at DESC OFFSET 0 ROWS FETCH NEXT 1 ROWS ONLY
        """;
}
