-- Flags the engine withdraws when later evidence clears them (issue #11: any delivery order ends in the same flags).
-- A piece of evidence that no longer counts is kept and marked, with the evidence that cleared it; a flag's
-- evidence_count counts only what still counts.
ALTER TABLE risk.flag_evidence ADD cleared_at datetime2(6) NULL, cleared_by varchar(200) NULL;
GO
-- The inputs of each TransformationEvent that its exporter had not held before it (rule transformation-inputs), until
-- an event holding them before the transformation arrives: a receipt captured or delivered late clears them.
CREATE TABLE risk.transformation_input (
  tenant_id varchar(64) NOT NULL,
  epc varchar(400) NOT NULL,
  epcis_event_id varchar(400) NOT NULL,
  event_time datetime2(6) NOT NULL,
  subject_id varchar(100) NOT NULL,
  biz_location varchar(400) NULL,
  input_count int NOT NULL,
  CONSTRAINT pk_transformation_input PRIMARY KEY (tenant_id, epc, epcis_event_id)
);
GO
CREATE INDEX ix_transformation_input_subject ON risk.transformation_input (subject_id, tenant_id);
GO
