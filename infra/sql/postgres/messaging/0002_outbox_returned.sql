-- A row the broker returned (published with the mandatory flag while no queue was bound to its
-- exchange) stays unsent: it counts its attempts and waits until next_attempt_at before the next.
ALTER TABLE $schema$.outbox_message ADD COLUMN attempts integer NOT NULL DEFAULT 0;
ALTER TABLE $schema$.outbox_message ADD COLUMN next_attempt_at timestamptz NULL;
