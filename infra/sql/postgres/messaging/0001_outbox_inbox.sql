-- The outbox and inbox every service keeps in its own schema ($schema$).
CREATE TABLE $schema$.outbox_message (
  sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id uuid NOT NULL,
  message_type varchar(400) NOT NULL,
  body text NOT NULL,
  trace_parent varchar(128) NULL,
  created_at timestamptz NOT NULL,
  sent_at timestamptz NULL,
  failed_at timestamptz NULL,
  last_error varchar(2000) NULL,
  CONSTRAINT uq_outbox_message_id UNIQUE (message_id)
);

-- The relay only ever looks for undelivered rows, in order.
CREATE INDEX ix_outbox_message_pending ON $schema$.outbox_message (sequence) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX ix_outbox_message_sent_at ON $schema$.outbox_message (sent_at) WHERE sent_at IS NOT NULL;

CREATE TABLE $schema$.inbox_message (
  message_id uuid NOT NULL,
  consumer varchar(200) NOT NULL,
  received_at timestamptz NOT NULL,
  redelivered boolean NOT NULL,
  duplicates integer NOT NULL DEFAULT 0,
  CONSTRAINT pk_inbox_message PRIMARY KEY (message_id, consumer)
);

CREATE INDEX ix_inbox_message_received_at ON $schema$.inbox_message (received_at);
