-- Grievances' own copy of the facilities Provenance announces, with the short code printed on posters.
CREATE TABLE grievances.facility (
  id uuid NOT NULL CONSTRAINT pk_facility PRIMARY KEY,
  tenant_id varchar(64) NOT NULL,
  revision integer NOT NULL,
  name varchar(200) NOT NULL,
  name_key varchar(200) NOT NULL,
  country char(2) NOT NULL,
  poster_code varchar(8) NOT NULL CONSTRAINT uq_facility_poster_code UNIQUE,
  updated_at timestamptz NOT NULL
);
CREATE INDEX ix_facility_name_key ON grievances.facility (name_key);

-- One row per sender: the number only encrypted, found by its keyed pseudonym, and the conversation's state.
CREATE TABLE grievances.sender (
  pseudonym varchar(40) NOT NULL CONSTRAINT pk_sender PRIMARY KEY,
  phone_cipher varchar(200) NOT NULL,
  gateway varchar(20) NOT NULL,
  gateway_number varchar(40) NOT NULL,
  language varchar(5) NULL,
  state varchar(20) NOT NULL,
  draft varchar(4000) NULL,
  session_expires_at timestamptz NOT NULL,
  opted_out boolean NOT NULL,
  window_started_at timestamptz NOT NULL,
  window_count integer NOT NULL,
  version integer NOT NULL,
  updated_at timestamptz NOT NULL
);

-- Every message a gateway delivered, once (the gateway's id is unique), text encrypted.
CREATE TABLE grievances.inbound_message (
  id uuid NOT NULL CONSTRAINT pk_inbound_message PRIMARY KEY,
  gateway varchar(20) NOT NULL,
  gateway_message_id varchar(64) NOT NULL,
  pseudonym varchar(40) NOT NULL,
  phone_cipher varchar(200) NOT NULL,
  gateway_number varchar(40) NOT NULL,
  body_cipher varchar(8000) NOT NULL,
  received_at timestamptz NOT NULL,
  processed_at timestamptz NULL,
  CONSTRAINT uq_inbound_gateway_message UNIQUE (gateway, gateway_message_id)
);

-- Every reply: queued with its text encrypted, sent once through the gateway, then its delivery status.
CREATE TABLE grievances.outbound_message (
  id uuid NOT NULL CONSTRAINT pk_outbound_message PRIMARY KEY,
  pseudonym varchar(40) NOT NULL,
  in_reply_to uuid NULL,
  case_id uuid NULL,
  gateway varchar(20) NOT NULL,
  gateway_number varchar(40) NOT NULL,
  body_cipher varchar(8000) NOT NULL,
  encoding varchar(5) NOT NULL,
  segments integer NOT NULL,
  status varchar(20) NOT NULL,
  attempts integer NOT NULL,
  next_attempt_at timestamptz NOT NULL,
  provider_message_id varchar(64) NULL,
  error varchar(400) NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX ix_inbound_unprocessed ON grievances.inbound_message (pseudonym, processed_at);
CREATE INDEX ix_outbound_due ON grievances.outbound_message (status, next_attempt_at);
CREATE INDEX ix_outbound_provider_id ON grievances.outbound_message (gateway, provider_message_id);

-- A grievance case. The worker's words are encrypted like the number, and the deadlines are the EU
-- Whistleblower Directive's (Art. 9: acknowledge within 7 days, feed back within 3 months).
CREATE TABLE grievances.grievance_case (
  id uuid NOT NULL CONSTRAINT pk_grievance_case PRIMARY KEY,
  reference varchar(12) NOT NULL CONSTRAINT uq_case_reference UNIQUE,
  pseudonym varchar(40) NOT NULL,
  tenant_id varchar(64) NOT NULL,
  language varchar(5) NOT NULL,
  facility_ids varchar(400) NOT NULL,
  facility_name varchar(200) NULL,
  country char(2) NULL,
  category varchar(30) NOT NULL,
  ilo_indicators varchar(400) NOT NULL,
  description_cipher varchar(8000) NOT NULL,
  contact_allowed boolean NOT NULL,
  status varchar(20) NOT NULL,
  outcome varchar(20) NULL,
  filed_at timestamptz NOT NULL,
  acknowledge_by timestamptz NOT NULL,
  feedback_by timestamptz NOT NULL,
  acknowledged_at timestamptz NULL,
  closed_at timestamptz NULL
);
CREATE INDEX ix_case_status ON grievances.grievance_case (status, filed_at);
CREATE INDEX ix_case_pseudonym ON grievances.grievance_case (pseudonym);

-- What happened to a case, appended only (nothing updates or deletes these rows).
CREATE TABLE grievances.case_history (
  id uuid NOT NULL CONSTRAINT pk_case_history PRIMARY KEY,
  case_id uuid NOT NULL,
  at timestamptz NOT NULL,
  actor varchar(200) NOT NULL,
  action varchar(30) NOT NULL,
  detail varchar(2000) NULL
);
CREATE INDEX ix_case_history_case ON grievances.case_history (case_id, at);
