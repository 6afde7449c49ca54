-- The flag model of issue #11: one OPEN flag per rule × subject, evidence appended to it, scope for
-- auditors (country, HS chapter, scheme), the case workflow's state and an append-only history.

-- A resolved flag steps aside: is_open is 1 while the flag is open and NULL once resolved. SQL Server's
-- unique constraints treat NULLs as equal, so the uniqueness is a filtered unique index instead.
ALTER TABLE risk.flag DROP CONSTRAINT uq_flag_rule_subject;
GO
ALTER TABLE risk.flag ADD is_open smallint NULL;
GO
UPDATE risk.flag SET is_open = 1 WHERE status <> 'resolved';
GO
CREATE UNIQUE INDEX uq_flag_open_rule_subject ON risk.flag (rule_id, subject_type, subject_id, is_open) WHERE is_open IS NOT NULL;
GO

ALTER TABLE risk.flag ADD
  scope_hs_chapter char(2) NULL,
  scope_scheme varchar(64) NULL,
  evidence_count int NOT NULL CONSTRAINT df_flag_evidence_count DEFAULT 0,
  grievance_count int NOT NULL CONSTRAINT df_flag_grievance_count DEFAULT 0,
  assignee varchar(100) NULL,
  resolution varchar(16) NULL,
  escalated bit NOT NULL CONSTRAINT df_flag_escalated DEFAULT 0,
  version int NOT NULL CONSTRAINT df_flag_version DEFAULT 1,
  updated_at datetime2(6) NULL,
  assign_due_at datetime2(6) NULL,
  resolve_due_at datetime2(6) NULL,
  resolved_at datetime2(6) NULL;
GO
UPDATE risk.flag SET updated_at = raised_at;
GO

-- Every piece of evidence a flag holds, the ids that raised it first; a signal seen again adds nothing.
CREATE TABLE risk.flag_evidence (
  flag_id uniqueidentifier NOT NULL,
  evidence_id varchar(200) NOT NULL,
  source varchar(16) NOT NULL,
  rule_version int NOT NULL,
  note nvarchar(2000) NULL,
  appended_at datetime2(6) NOT NULL,
  CONSTRAINT pk_flag_evidence PRIMARY KEY (flag_id, evidence_id)
);
GO

INSERT INTO risk.flag_evidence (flag_id, evidence_id, source, rule_version, note, appended_at)
SELECT DISTINCT f.id, e.value, CASE WHEN e.value LIKE 'shipment:%' THEN 'provenance' ELSE 'reference' END, f.rule_version, NULL, f.raised_at
FROM risk.flag f CROSS APPLY STRING_SPLIT(f.evidence, ' ') e
WHERE e.value <> '';
GO
UPDATE risk.flag SET evidence_count = (SELECT COUNT(*) FROM risk.flag_evidence e WHERE e.flag_id = risk.flag.id);
GO

-- The case history: one row per step (raised, assigned, started, escalated, resolved, reopened, ...),
-- numbered by the flag's version, which is also what a client sends back for optimistic concurrency.
CREATE TABLE risk.flag_history (
  id bigint IDENTITY(1, 1) NOT NULL CONSTRAINT pk_flag_history PRIMARY KEY,
  flag_id uniqueidentifier NOT NULL,
  flag_version int NOT NULL,
  action varchar(20) NOT NULL,
  status varchar(16) NOT NULL,
  resolution varchar(16) NULL,
  severity varchar(16) NOT NULL,
  assignee varchar(100) NULL,
  actor varchar(100) NOT NULL,
  reason nvarchar(200) NULL,
  note nvarchar(2000) NULL,
  occurred_at datetime2(6) NOT NULL,
  CONSTRAINT uq_flag_history_version UNIQUE (flag_id, flag_version)
);
GO

INSERT INTO risk.flag_history (flag_id, flag_version, action, status, severity, actor, occurred_at)
SELECT id, 1, 'raised', status, severity, 'risk', raised_at FROM risk.flag;
GO

-- Append-only, whoever connects: the service's own user (and the owner) cannot change or remove a step.
CREATE TRIGGER risk.tr_flag_history_append_only ON risk.flag_history INSTEAD OF UPDATE, DELETE
AS
BEGIN
  THROW 50001, 'risk.flag_history is append-only: UPDATE and DELETE are refused', 1;
END;
GO

CREATE INDEX ix_flag_history_flag ON risk.flag_history (flag_id, flag_version);
GO
CREATE INDEX ix_flag_open_due ON risk.flag (resolve_due_at) WHERE is_open IS NOT NULL;
GO
