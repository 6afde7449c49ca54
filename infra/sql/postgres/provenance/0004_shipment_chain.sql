-- What a shipment claims beyond its origin: product, facility, tiers, certificates, buyer, documents.
ALTER TABLE provenance.shipment ADD product_id uuid NULL;
ALTER TABLE provenance.shipment ADD origin_facility_id uuid NULL;
ALTER TABLE provenance.shipment ADD buyer varchar(200) NULL;
ALTER TABLE provenance.shipment ADD destination_country char(2) NULL;

CREATE TABLE provenance.shipment_tier (
  shipment_id uuid NOT NULL CONSTRAINT fk_shipment_tier_shipment REFERENCES provenance.shipment (id),
  position integer NOT NULL,
  facility_id uuid NOT NULL,
  country char(2) NOT NULL,
  role varchar(20) NOT NULL,
  period_from date NULL,
  period_to date NULL,
  CONSTRAINT pk_shipment_tier PRIMARY KEY (shipment_id, position)
);

CREATE TABLE provenance.shipment_certificate (
  shipment_id uuid NOT NULL CONSTRAINT fk_shipment_certificate_shipment REFERENCES provenance.shipment (id),
  position integer NOT NULL,
  scheme varchar(50) NOT NULL,
  number varchar(100) NOT NULL,
  CONSTRAINT pk_shipment_certificate PRIMARY KEY (shipment_id, position)
);

CREATE TABLE provenance.shipment_document (
  shipment_id uuid NOT NULL CONSTRAINT fk_shipment_document_shipment REFERENCES provenance.shipment (id),
  position integer NOT NULL,
  name varchar(200) NOT NULL,
  sha256 char(64) NOT NULL,
  CONSTRAINT pk_shipment_document PRIMARY KEY (shipment_id, position)
);

-- Tamper evidence: one hash chain per exporter over every accepted record.
CREATE TABLE provenance.chain_head (
  exporter_id varchar(64) NOT NULL CONSTRAINT pk_chain_head PRIMARY KEY,
  sequence bigint NOT NULL,
  head_hash char(64) NOT NULL
);

CREATE TABLE provenance.chain_link (
  exporter_id varchar(64) NOT NULL,
  sequence bigint NOT NULL,
  record_type varchar(20) NOT NULL,
  record_id varchar(200) NOT NULL,
  record_hash char(64) NOT NULL,
  previous_hash char(64) NOT NULL,
  link_hash char(64) NOT NULL,
  linked_at timestamptz NOT NULL,
  CONSTRAINT pk_chain_link PRIMARY KEY (exporter_id, sequence)
);

-- Idempotency-Key: the first answer to a key, replayed for the same body.
CREATE TABLE provenance.idempotency_key (
  exporter_id varchar(64) NOT NULL,
  idempotency_key varchar(200) NOT NULL,
  request_hash char(64) NOT NULL,
  status_code integer NOT NULL,
  location varchar(400) NULL,
  response_body text NOT NULL,
  created_at timestamptz NOT NULL,
  CONSTRAINT pk_idempotency_key PRIMARY KEY (exporter_id, idempotency_key)
);

CREATE INDEX ix_idempotency_key_created_at ON provenance.idempotency_key (created_at);
