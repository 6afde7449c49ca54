CREATE TABLE provenance.shipment (
  id uuid NOT NULL CONSTRAINT pk_shipment PRIMARY KEY,
  exporter_id varchar(64) NOT NULL,
  hs_code varchar(10) NOT NULL,
  commodity varchar(200) NOT NULL,
  origin_country char(2) NOT NULL,
  quantity numeric(19, 4) NOT NULL,
  unit varchar(8) NOT NULL,
  ship_date date NOT NULL,
  recorded_at timestamptz NOT NULL
);

CREATE INDEX ix_shipment_exporter ON provenance.shipment (exporter_id, recorded_at);
