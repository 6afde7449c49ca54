-- The outbox and inbox every service keeps in its own schema ($schema$).
CREATE TABLE $schema$.outbox_message (
  sequence bigint IDENTITY(1, 1) NOT NULL CONSTRAINT pk_outbox_message PRIMARY KEY,
  message_id uniqueidentifier NOT NULL,
  message_type nvarchar(400) NOT NULL,
  body nvarchar(max) NOT NULL,
  trace_parent varchar(128) NULL,
  created_at datetime2(6) NOT NULL,
  sent_at datetime2(6) NULL,
  failed_at datetime2(6) NULL,
  last_error nvarchar(2000) NULL,
  CONSTRAINT uq_outbox_message_id UNIQUE (message_id)
);
GO

-- The relay only ever looks for undelivered rows, in order.
CREATE INDEX ix_outbox_message_pending ON $schema$.outbox_message (sequence) WHERE sent_at IS NULL AND failed_at IS NULL;
GO
CREATE INDEX ix_outbox_message_sent_at ON $schema$.outbox_message (sent_at) WHERE sent_at IS NOT NULL;
GO

CREATE TABLE $schema$.inbox_message (
  message_id uniqueidentifier NOT NULL,
  consumer nvarchar(200) NOT NULL,
  received_at datetime2(6) NOT NULL,
  redelivered bit NOT NULL,
  duplicates int NOT NULL CONSTRAINT df_inbox_message_duplicates DEFAULT 0,
  CONSTRAINT pk_inbox_message PRIMARY KEY (message_id, consumer)
);
GO

CREATE INDEX ix_inbox_message_received_at ON $schema$.inbox_message (received_at);
GO
