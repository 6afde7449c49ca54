-- The flag model of issue #11: one OPEN flag per rule × subject, evidence appended to it, scope for
-- auditors (country, HS chapter, scheme), the case workflow's state and an append-only history.

-- A resolved flag steps aside: is_open is 1 while the flag is open and NULL once resolved, and NULLs
-- never collide in a unique constraint, so the rule may raise a new flag for the same subject later.
ALTER TABLE risk.flag DROP CONSTRAINT uq_flag_rule_subject;
ALTER TABLE risk.flag ADD COLUMN is_open smallint NULL;
UPDATE risk.flag SET is_open = 1 WHERE status <> 'resolved';
ALTER TABLE risk.flag ADD CONSTRAINT uq_flag_open_rule_subject UNIQUE (rule_id, subject_type, subject_id, is_open);

ALTER TABLE risk.flag
  ADD COLUMN scope_hs_chapter char(2) NULL,
  ADD COLUMN scope_scheme varchar(64) NULL,
  ADD COLUMN evidence_count integer NOT NULL DEFAULT 0,
  ADD COLUMN grievance_count integer NOT NULL DEFAULT 0,
  ADD COLUMN assignee varchar(100) NULL,
  ADD COLUMN resolution varchar(16) NULL,
  ADD COLUMN escalated boolean NOT NULL DEFAULT false,
  ADD COLUMN version integer NOT NULL DEFAULT 1,
  ADD COLUMN updated_at timestamptz NULL,
  ADD COLUMN assign_due_at timestamptz NULL,
  ADD COLUMN resolve_due_at timestamptz NULL,
  ADD COLUMN resolved_at timestamptz NULL;
UPDATE risk.flag SET updated_at = raised_at;

-- Every piece of evidence a flag holds, the ids that raised it first; a signal seen again adds nothing.
CREATE TABLE risk.flag_evidence (
  flag_id uuid NOT NULL,
  evidence_id varchar(200) NOT NULL,
  source varchar(16) NOT NULL,
  rule_version integer NOT NULL,
  note varchar(2000) NULL,
  appended_at timestamptz NOT NULL,
  CONSTRAINT pk_flag_evidence PRIMARY KEY (flag_id, evidence_id)
);

INSERT INTO risk.flag_evidence (flag_id, evidence_id, source, rule_version, note, appended_at)
SELECT f.id, e.id, CASE WHEN e.id LIKE 'shipment:%' THEN 'provenance' ELSE 'reference' END, f.rule_version, NULL, f.raised_at
FROM risk.flag f CROSS JOIN LATERAL unnest(string_to_array(f.evidence, ' ')) AS e(id)
WHERE e.id <> ''
ON CONFLICT DO NOTHING;
UPDATE risk.flag SET evidence_count = (SELECT count(*) FROM risk.flag_evidence e WHERE e.flag_id = risk.flag.id);

-- The case history: one row per step (raised, assigned, started, escalated, resolved, reopened, ...),
-- numbered by the flag's version, which is also what a client sends back for optimistic concurrency.
CREATE TABLE risk.flag_history (
  id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_flag_history PRIMARY KEY,
  flag_id uuid NOT NULL,
  flag_version integer NOT NULL,
  action varchar(20) NOT NULL,
  status varchar(16) NOT NULL,
  resolution varchar(16) NULL,
  severity varchar(16) NOT NULL,
  assignee varchar(100) NULL,
  actor varchar(100) NOT NULL,
  reason varchar(200) NULL,
  note varchar(2000) NULL,
  occurred_at timestamptz NOT NULL,
  CONSTRAINT uq_flag_history_version UNIQUE (flag_id, flag_version)
);

INSERT INTO risk.flag_history (flag_id, flag_version, action, status, severity, actor, occurred_at)
SELECT id, 1, 'raised', status, severity, 'risk', raised_at FROM risk.flag;

-- Append-only, whoever connects: the service's own user (and the owner) cannot change or remove a step.
CREATE FUNCTION risk.refuse_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'risk.flag_history is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER tr_flag_history_append_only BEFORE UPDATE OR DELETE ON risk.flag_history
  FOR EACH ROW EXECUTE FUNCTION risk.refuse_history_change();
CREATE TRIGGER tr_flag_history_no_truncate BEFORE TRUNCATE ON risk.flag_history
  FOR EACH STATEMENT EXECUTE FUNCTION risk.refuse_history_change();

CREATE INDEX ix_flag_history_flag ON risk.flag_history (flag_id, flag_version);
CREATE INDEX ix_flag_open_due ON risk.flag (resolve_due_at) WHERE is_open = 1;
