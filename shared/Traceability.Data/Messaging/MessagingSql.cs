namespace Traceability.Data.Messaging;

/// <summary>
/// The outbox and inbox statements. They live in every service's own schema, so the schema is
/// an argument; the claim and insert-if-absent statements come from the dialect.
/// </summary>
internal static class MessagingSql
{
    public static string InsertOutboxMessage(string schema) => $"""
        INSERT INTO {schema}.outbox_message (message_id, message_type, body, trace_parent, created_at)
        VALUES (@MessageId, @MessageType, @Body, @TraceParent, @CreatedAt)
        """;

    // The outbox row of a message about a row that a held insert-if-absent of the same round trip may or may not have written:
    // written only if the row with that key exists (a fresh id exists only if that insert wrote it).
    public static string InsertOutboxMessageIfExists(string schema, string table, string keyColumn) => $"""
        INSERT INTO {schema}.outbox_message (message_id, message_type, body, trace_parent, created_at)
        SELECT @MessageId, @MessageType, @Body, @TraceParent, @CreatedAt
        WHERE EXISTS (SELECT 1 FROM {table} WHERE {keyColumn} = @Key)
        """;

    public static string ClaimOutboxBatch(SqlDialect dialect, string schema) => dialect.ClaimOutboxBatch(schema);

    public static string MarkOutboxSent(SqlDialect dialect, string schema) =>
        $"UPDATE {schema}.outbox_message SET sent_at = @SentAt WHERE {dialect.IsAnyOf("sequence", "Sequences")}";

    public static string MarkOutboxFailed(string schema) =>
        $"UPDATE {schema}.outbox_message SET failed_at = @FailedAt, last_error = @LastError WHERE sequence = @Sequence";

    public static string MarkOutboxReturned(SqlDialect dialect, string schema) => $"""
        UPDATE {schema}.outbox_message SET attempts = attempts + 1, next_attempt_at = @NextAttemptAt, last_error = @LastError
        WHERE {dialect.IsAnyOf("sequence", "Sequences")}
        """;

    public static string DeleteSentOutbox(string schema) =>
        $"DELETE FROM {schema}.outbox_message WHERE sent_at < @Before";

    public static string InsertInboxMessage(SqlDialect dialect, string schema) =>
        dialect.InsertIfAbsent(
            $"{schema}.inbox_message",
            ["message_id", "consumer", "received_at", "redelivered"],
            ["message_id", "consumer"]);

    public static string CountInboxDuplicate(string schema) =>
        $"UPDATE {schema}.inbox_message SET duplicates = duplicates + 1 WHERE message_id = @MessageId AND consumer = @Consumer";

    public static string DeleteOldInbox(string schema) =>
        $"DELETE FROM {schema}.inbox_message WHERE received_at < @Before";
}
