namespace Traceability.Risk.Features.WorkFlag;

internal static class WorkFlagSql
{
    // Every step names the version the caller read: a flag someone else moved in between matches no row (409).
    public const string Assign = """
        UPDATE risk.flag SET status = 'assigned', assignee = @Assignee, version = version + 1, updated_at = @Now
        WHERE id = @Id AND version = @Version
        """;

    public const string Start = """
        UPDATE risk.flag SET status = 'investigating', version = version + 1, updated_at = @Now
        WHERE id = @Id AND version = @Version
        """;

    public const string Escalate = """
        UPDATE risk.flag SET escalated = @Escalated, version = version + 1, updated_at = @Now
        WHERE id = @Id AND version = @Version
        """;

    public const string Resolve = """
        UPDATE risk.flag SET status = 'resolved', resolution = @Resolution, is_open = NULL, resolved_at = @Now, version = version + 1, updated_at = @Now
        WHERE id = @Id AND version = @Version
        """;

    // Back to open with fresh clocks; if the rule raised a new flag for the subject meanwhile, the unique key refuses it (409).
    public const string Reopen = """
        UPDATE risk.flag SET status = 'open', resolution = NULL, assignee = NULL, is_open = 1, resolved_at = NULL,
               assign_due_at = @AssignDueAt, resolve_due_at = @ResolveDueAt, version = version + 1, updated_at = @Now
        WHERE id = @Id AND version = @Version
        """;
}
