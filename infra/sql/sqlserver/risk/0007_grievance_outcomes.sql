-- How a caseworker closed each grievance: one closed as not substantiated no longer counts towards a repeat.
ALTER TABLE risk.grievance_signal ADD outcome varchar(20) NULL;
GO
