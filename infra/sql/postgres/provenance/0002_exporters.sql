CREATE TABLE provenance.exporter (
  id varchar(64) NOT NULL CONSTRAINT pk_exporter PRIMARY KEY,
  name varchar(200) NOT NULL,
  created_at timestamptz NOT NULL
);

-- A key is shown once; only its SHA-256 is kept, found by its public prefix.
CREATE TABLE provenance.api_key (
  id uuid NOT NULL CONSTRAINT pk_api_key PRIMARY KEY,
  exporter_id varchar(64) NOT NULL CONSTRAINT fk_api_key_exporter REFERENCES provenance.exporter (id),
  prefix varchar(16) NOT NULL CONSTRAINT uq_api_key_prefix UNIQUE,
  key_hash bytea NOT NULL,
  created_at timestamptz NOT NULL,
  revoked_at timestamptz NULL
);

CREATE INDEX ix_api_key_exporter ON provenance.api_key (exporter_id);
