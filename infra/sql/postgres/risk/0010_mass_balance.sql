-- Mass balance: what left each origin facility (quantity and unit of the shipments naming it as origin; NULL for tiers
-- and for rows kept before this), and the production capacity audits state (NULL when an audit states none).
ALTER TABLE risk.shipment_facility ADD COLUMN quantity numeric(19, 4) NULL, ADD COLUMN unit varchar(10) NULL;
ALTER TABLE risk.facility_audit
  ADD COLUMN capacity_quantity numeric(19, 4) NULL,
  ADD COLUMN capacity_unit varchar(10) NULL,
  ADD COLUMN capacity_period varchar(10) NULL;
