-- When the last send of a reply started: a send whose answer was lost is looked up at the provider among
-- the messages it took since then.
ALTER TABLE grievances.outbound_message ADD attempted_at datetime2(6) NULL;
