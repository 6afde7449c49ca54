-- A row the broker returned (published with the mandatory flag while no queue was bound to its
-- exchange) stays unsent: it counts its attempts and waits until next_attempt_at before the next.
ALTER TABLE $schema$.outbox_message ADD
  attempts int NOT NULL CONSTRAINT df_outbox_message_attempts DEFAULT 0,
  next_attempt_at datetime2(6) NULL;
GO
