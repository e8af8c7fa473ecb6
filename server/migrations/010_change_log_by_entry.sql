-- An auditor's history of one volunteer first asks which rosters hold changes naming them:
-- their beat, and any beat they moved from or to. Without this index that question reads the
-- whole change log, every change the district ever received. Changes that name no entry (the
-- roster's genesis) are left out of it.
CREATE INDEX change_log_by_entry ON change_log (entry, roster_id) WHERE entry IS NOT NULL;
