-- A facility's production capacity as the audit found it (quantity per calendar month or year), for Risk's mass balance.
ALTER TABLE audits.audit
  ADD COLUMN capacity_quantity numeric(19, 4) NULL,
  ADD COLUMN capacity_unit varchar(10) NULL,
  ADD COLUMN capacity_period varchar(10) NULL;
