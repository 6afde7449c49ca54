-- GS1 EPCIS 2.0 capture jobs and events. An event is stored once per exporter (by eventID, or the
-- canonical hash id given to an event without one); its EPCs are indexed for MATCH_epc.
CREATE TABLE provenance.epcis_capture (
  id uniqueidentifier NOT NULL CONSTRAINT pk_epcis_capture PRIMARY KEY,
  exporter_id varchar(64) NOT NULL,
  created_at datetime2(6) NOT NULL,
  error_behaviour varchar(10) NOT NULL,
  event_count integer NOT NULL,
  stored_count integer NOT NULL,
  duplicate_count integer NOT NULL,
  errors nvarchar(max) NOT NULL
);
GO

CREATE TABLE provenance.epcis_event (
  exporter_id varchar(64) NOT NULL,
  event_id varchar(400) NOT NULL,
  event_type varchar(30) NOT NULL,
  event_time datetime2(6) NOT NULL,
  record_time datetime2(6) NOT NULL,
  action varchar(10) NULL,
  biz_step varchar(400) NULL,
  disposition varchar(400) NULL,
  read_point varchar(400) NULL,
  biz_location varchar(400) NULL,
  capture_id uniqueidentifier NOT NULL,
  document nvarchar(max) NOT NULL,
  CONSTRAINT pk_epcis_event PRIMARY KEY (exporter_id, event_id)
);
GO

CREATE INDEX ix_epcis_event_time ON provenance.epcis_event (exporter_id, event_time, event_id);
GO
GO

CREATE TABLE provenance.epcis_event_epc (
  exporter_id varchar(64) NOT NULL,
  event_id varchar(400) NOT NULL,
  epc varchar(400) NOT NULL,
  CONSTRAINT pk_epcis_event_epc PRIMARY KEY (exporter_id, event_id, epc)
);
GO

CREATE INDEX ix_epcis_event_epc ON provenance.epcis_event_epc (exporter_id, epc);
GO
GO
