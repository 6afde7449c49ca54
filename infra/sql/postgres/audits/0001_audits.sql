-- Facilities as Audits knows them: one row per site, joined across exporters by GLN and/or Open Supply Hub id
-- (from Provenance's FacilityRegistered, or first named by an audit or a certificate).
CREATE TABLE audits.facility (
  id uuid NOT NULL CONSTRAINT pk_facility PRIMARY KEY,
  gln char(13) NULL,
  osh_id varchar(15) NULL,
  name varchar(200) NOT NULL,
  country char(2) NOT NULL,
  first_named_by varchar(16) NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE UNIQUE INDEX uq_facility_gln ON audits.facility (gln) WHERE gln IS NOT NULL;
CREATE UNIQUE INDEX uq_facility_osh ON audits.facility (osh_id) WHERE osh_id IS NOT NULL;

-- The auditor registry; an auditor's token carries the id (auditor_id claim).
CREATE TABLE audits.auditor (
  id varchar(64) NOT NULL CONSTRAINT pk_auditor PRIMARY KEY,
  name varchar(200) NOT NULL,
  firm varchar(200) NOT NULL,
  apsca_number varchar(20) NOT NULL,
  level varchar(4) NOT NULL,
  status varchar(16) NOT NULL,
  revision integer NOT NULL,
  registered_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CONSTRAINT uq_auditor_apsca UNIQUE (apsca_number)
);

-- Countries and HS chapters are space-separated codes: read and written whole with the auditor.
CREATE TABLE audits.accreditation (
  auditor_id varchar(64) NOT NULL CONSTRAINT fk_accreditation_auditor REFERENCES audits.auditor (id),
  position integer NOT NULL,
  scheme varchar(30) NOT NULL,
  countries varchar(800) NOT NULL,
  hs_chapters varchar(400) NOT NULL,
  valid_from date NOT NULL,
  valid_to date NOT NULL,
  CONSTRAINT pk_accreditation PRIMARY KEY (auditor_id, position)
);

CREATE TABLE audits.audit (
  id uuid NOT NULL CONSTRAINT pk_audit PRIMARY KEY,
  facility_id uuid NOT NULL CONSTRAINT fk_audit_facility REFERENCES audits.facility (id),
  scheme varchar(30) NOT NULL,
  audit_type varchar(16) NOT NULL,
  announcement varchar(16) NOT NULL,
  start_date date NOT NULL,
  end_date date NOT NULL,
  lead_auditor_id varchar(64) NOT NULL,
  team varchar(2000) NOT NULL,
  follow_up_of uuid NULL,
  workers_interviewed integer NOT NULL,
  women integer NOT NULL,
  men integer NOT NULL,
  migrant integer NOT NULL,
  young integer NOT NULL,
  hs_chapters varchar(400) NOT NULL,
  overall_result varchar(10) NULL,
  revision integer NOT NULL,
  submitted_by varchar(200) NOT NULL,
  submitted_at timestamptz NOT NULL,
  -- The same audit uploaded twice (another Idempotency-Key, or none) is refused, not stored again.
  CONSTRAINT uq_audit_facility_scheme_start UNIQUE (facility_id, scheme, start_date)
);

CREATE INDEX ix_audit_lead ON audits.audit (lead_auditor_id, submitted_at);

CREATE TABLE audits.finding (
  id uuid NOT NULL CONSTRAINT pk_finding PRIMARY KEY,
  audit_id uuid NOT NULL CONSTRAINT fk_finding_audit REFERENCES audits.audit (id),
  position integer NOT NULL,
  code varchar(40) NOT NULL,
  scheme_item varchar(20) NULL,
  severity varchar(16) NOT NULL,
  status varchar(16) NOT NULL,
  description varchar(2000) NULL,
  corrective_action varchar(2000) NULL,
  corrective_action_due date NULL,
  recorded_at timestamptz NOT NULL,
  CONSTRAINT uq_finding_audit_position UNIQUE (audit_id, position)
);

CREATE TABLE audits.finding_evidence (
  finding_id uuid NOT NULL CONSTRAINT fk_finding_evidence_finding REFERENCES audits.finding (id),
  position integer NOT NULL,
  sha256 char(64) NOT NULL,
  media_type varchar(100) NOT NULL,
  description varchar(500) NULL,
  CONSTRAINT pk_finding_evidence PRIMARY KEY (finding_id, position)
);

-- What follow-up audits said of a finding, appended, never rewritten.
CREATE TABLE audits.finding_status_change (
  finding_id uuid NOT NULL CONSTRAINT fk_finding_status_change_finding REFERENCES audits.finding (id),
  follow_up_audit_id uuid NOT NULL,
  previous_status varchar(16) NOT NULL,
  status varchar(16) NOT NULL,
  changed_at timestamptz NOT NULL,
  CONSTRAINT pk_finding_status_change PRIMARY KEY (finding_id, follow_up_audit_id)
);

CREATE TABLE audits.certificate (
  id uuid NOT NULL CONSTRAINT pk_certificate PRIMARY KEY,
  scheme varchar(30) NOT NULL,
  number varchar(100) NOT NULL,
  facility_id uuid NOT NULL CONSTRAINT fk_certificate_facility REFERENCES audits.facility (id),
  scope_hs_codes varchar(400) NOT NULL,
  valid_from date NOT NULL,
  valid_to date NOT NULL,
  status varchar(16) NOT NULL,
  reason varchar(500) NULL,
  sequence integer NOT NULL,
  issued_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CONSTRAINT uq_certificate_scheme_number UNIQUE (scheme, number)
);

-- The expiry job looks for valid certificates past their last day.
CREATE INDEX ix_certificate_status_valid_to ON audits.certificate (status, valid_to);

-- Every status a certificate has had, appended (sequence 1 is the issue), never rewritten.
CREATE TABLE audits.certificate_history (
  certificate_id uuid NOT NULL CONSTRAINT fk_certificate_history_certificate REFERENCES audits.certificate (id),
  sequence integer NOT NULL,
  status varchar(16) NOT NULL,
  previous_status varchar(16) NULL,
  reason varchar(500) NULL,
  effective_from date NOT NULL,
  changed_at timestamptz NOT NULL,
  changed_by varchar(200) NOT NULL,
  CONSTRAINT pk_certificate_history PRIMARY KEY (certificate_id, sequence)
);

-- Idempotency-Key: the first answer to a key, replayed for the same request. Keys belong to the token's subject.
CREATE TABLE audits.idempotency_key (
  owner_id varchar(200) NOT NULL,
  idempotency_key varchar(200) NOT NULL,
  request_hash char(64) NOT NULL,
  status_code integer NOT NULL,
  location varchar(400) NULL,
  response_body text NOT NULL,
  created_at timestamptz NOT NULL,
  CONSTRAINT pk_idempotency_key PRIMARY KEY (owner_id, idempotency_key)
);

CREATE INDEX ix_idempotency_key_created_at ON audits.idempotency_key (created_at);
